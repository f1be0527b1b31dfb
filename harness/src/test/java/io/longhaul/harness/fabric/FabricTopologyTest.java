package io.longhaul.harness.fabric;

import io.longhaul.transport.sim.LinkSpec;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FabricTopologyTest {
    private static final LinkSpec NONE = LinkSpec.perfect();

    @Test
    void shouldSplitHostsIntoContiguousDcsAndAddressThemInOrder() {
        final FabricTopology t = new FabricTopology("lhf", 5, 2, LinkSpec.parse("delay=5ms"), NONE);
        assertThat(t.dcOf(0)).isZero();
        assertThat(t.dcOf(2)).isZero();
        assertThat(t.dcOf(3)).isEqualTo(1);
        assertThat(t.dcOf(4)).isEqualTo(1);
        assertThat(t.address(0)).isEqualTo("10.78.0.1");
        assertThat(t.address(4)).isEqualTo("10.78.0.5");
        assertThat(t.namespace(3)).isEqualTo("lhf3");
        assertThat(t.hostOf(t.addressOf(4))).isEqualTo(4);
        assertThat(t.hostOf(FabricTopology.SUBNET_BASE)).isEqualTo(-1);
        assertThat(t.hostOf(t.addressOf(4) + 1)).isEqualTo(-1);
        assertThat(t.linkSpec(0, 3)).isEqualTo(LinkSpec.parse("delay=5ms"));
        assertThat(t.linkSpec(0, 1)).isEqualTo(NONE);
        assertThat(t.isInter(4, 1)).isTrue();
    }

    @Test
    void shouldResolveHostsByIndexOrName() {
        final FabricTopology t = new FabricTopology("lhf", 4, 1, NONE, NONE);
        assertThat(t.resolveHost("2")).isEqualTo(2);
        assertThat(t.resolveHost("lhf3")).isEqualTo(3);
        assertThatThrownBy(() -> t.resolveHost("4")).hasMessage("HOST: '4' is not a host of this fabric; accepted: 0 to 3 or lhf0 to lhf3");
        assertThatThrownBy(() -> t.resolveHost("x")).hasMessageContaining("accepted: 0 to 3");
    }

    @Test
    void shouldRejectOutOfRangeHostsDcsAndPrefixesNamingTheField() {
        assertThatThrownBy(() -> new FabricTopology("lhf", 1, 1, NONE, NONE)).hasMessage("--hosts: 1 is out of range; accepted: 2 to 1000");
        assertThatThrownBy(() -> new FabricTopology("lhf", 1001, 1, NONE, NONE)).hasMessageContaining("--hosts: 1001");
        assertThatThrownBy(() -> new FabricTopology("lhf", 4, 5, NONE, NONE))
            .hasMessage("--dcs: 5 is out of range; accepted: 1 to the number of hosts (4)");
        assertThatThrownBy(() -> new FabricTopology("lhf", 4, 0, NONE, NONE)).hasMessageContaining("--dcs: 0");
        assertThatThrownBy(() -> new FabricTopology("ns", 4, 1, NONE, NONE)).hasMessageContaining("--prefix: 'ns' is not accepted");
        assertThatThrownBy(() -> new FabricTopology("lhTooLong1", 4, 1, NONE, NONE)).hasMessageContaining("--prefix");
    }
}
