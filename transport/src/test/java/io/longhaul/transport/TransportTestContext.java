package io.longhaul.transport;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** TransportContext validation: each bad knob is named with its accepted range. */
class TransportTestContext {
    @Test
    void shouldAcceptTheDefaults() {
        final TransportContext ctx = new TransportContext().conclude();
        assertThat(ctx.resolvedIoMode()).isIn(IoMode.EPOLL, IoMode.NIO);
        assertThat(ctx.socketBufferBytes()).isEqualTo(ctx.targetBdpBytes());
    }

    @Test
    void shouldNameTheFieldAndRangeOfABadValue() {
        assertThatThrownBy(() -> new TransportContext().sendQueueCapacity(0).conclude())
            .isInstanceOf(IllegalArgumentException.class).hasMessage("sendQueueCapacity = 0 is out of range; accepted: [1, 1048576]");
        assertThatThrownBy(() -> new TransportContext().paths(17).conclude())
            .hasMessage("paths = 17 is out of range; accepted: [1, 16]");
        assertThatThrownBy(() -> new TransportContext().socketBufferBytes(1000).conclude())
            .hasMessageStartingWith("socketBufferBytes = 1000 is out of range; accepted: [65536, 1073741824]");
        assertThatThrownBy(() -> new TransportContext().bindAddress("localhost").conclude())
            .hasMessageContaining("bindAddress: 'localhost' has no port");
        assertThatThrownBy(() -> new TransportContext().bindAddress("127.0.0.1:70000").conclude())
            .hasMessageContaining("port 70000 is out of range; accepted: 0 to 65535");
        assertThatThrownBy(() -> new TransportContext().link("delay=5parsecs").conclude())
            .hasMessageStartingWith("link: ").hasMessageContaining("delay");
        assertThatThrownBy(() -> new TransportContext().congestionControl("warp").conclude())
            .hasMessageContaining("unknown congestion control 'warp'");
        assertThatThrownBy(() -> new TransportContext().maxPayloadBytes(10).conclude())
            .hasMessageContaining("maxPayloadBytes = 10 is out of range");
    }

    @Test
    void shouldResolveATextWithEcmpAsAFabricAndKeepThePlainLinkPathOtherwise() {
        final TransportContext fabric = new TransportContext().link("ecmp=2,rate=200mbit,delay=1ms").conclude();
        assertThat(fabric.resolvedFabric()).isEqualTo(io.longhaul.transport.sim.FabricSpec.parse("ecmp=2,rate=200mbit,delay=1ms"));
        assertThat(fabric.resolvedLink().isPerfect()).isTrue();
        assertThat(new TransportContext().link("ecmp=2,seed=3").linkSeed(9L).conclude().resolvedFabric().seed())
            .as("linkSeed overrides the fabric's seed").isEqualTo(9);

        final TransportContext plain = new TransportContext().link("delay=1ms").linkSeed(9L).conclude();
        assertThat(plain.resolvedFabric()).isNull();
        assertThat(plain.resolvedLink()).isEqualTo(io.longhaul.transport.sim.LinkSpec.parse("delay=1ms,seed=9"));

        assertThatThrownBy(() -> new TransportContext().link("ecmp=3,rate=1gbit/2gbit").conclude())
            .hasMessageStartingWith("link: fabric spec 'ecmp=3,rate=1gbit/2gbit': rate: '1gbit/2gbit' has 2 values for 3 links");
        System.setProperty("longhaul.link", "ecmp=4,loss=1%");
        try {
            assertThat(new TransportContext().conclude().resolvedFabric().links()).isEqualTo(4);
        } finally {
            System.clearProperty("longhaul.link");
        }
    }

    @Test
    void shouldReadSystemPropertiesAndLetSettersOverrideThem() {
        System.setProperty("longhaul.paths", "4");
        System.setProperty("longhaul.link", "delay=1ms");
        try {
            final TransportContext ctx = new TransportContext();
            assertThat(ctx.paths()).isEqualTo(4);
            assertThat(ctx.link()).isEqualTo("delay=1ms");
            assertThat(ctx.paths(2).conclude().paths()).isEqualTo(2);
        } finally {
            System.clearProperty("longhaul.paths");
            System.clearProperty("longhaul.link");
        }
    }

    @Test
    void shouldBindThePacingAndTimerKnobsToProperties() {
        System.setProperty("longhaul.pacingQuantum", "500us");
        System.setProperty("longhaul.pacingMaxBurst", "4ms");
        System.setProperty("longhaul.timerGranularity", "1ms");
        try {
            final TransportContext ctx = new TransportContext().conclude();
            assertThat(ctx.coreConfig().pacingQuantumNs()).isEqualTo(500_000);
            assertThat(ctx.coreConfig().pacingMaxBurstNs()).isEqualTo(4_000_000);
            assertThat(ctx.coreConfig().timerGranularityNs()).isEqualTo(1_000_000);
        } finally {
            System.clearProperty("longhaul.pacingQuantum");
            System.clearProperty("longhaul.pacingMaxBurst");
            System.clearProperty("longhaul.timerGranularity");
        }
        System.setProperty("longhaul.pacingMaxBurst", "0ms");
        try {
            assertThatThrownBy(() -> new TransportContext().conclude())
                .hasMessage("pacingMaxBurstNs = 0 is out of range; accepted: [1000, 1000000000]");
        } finally {
            System.clearProperty("longhaul.pacingMaxBurst");
        }
    }

    @Test
    void shouldRejectAMalformedProperty() {
        System.setProperty("longhaul.ioMode", "dpdk");
        try {
            assertThatThrownBy(TransportContext::new).hasMessage("longhaul.ioMode: 'dpdk' is not an io mode; accepted: auto, epoll, nio");
        } finally {
            System.clearProperty("longhaul.ioMode");
        }
    }
}
