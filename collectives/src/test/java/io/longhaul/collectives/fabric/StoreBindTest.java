package io.longhaul.collectives.fabric;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;

/** Rank 0 hosts the rendezvous store on MASTER_ADDR's interface, not on all of them. */
class StoreBindTest {
    @Test
    void shouldBindTheStoreToMasterAddrWhenItIsThisHosts() {
        final InetSocketAddress loopback = TransportFabric.storeBind(new InetSocketAddress("127.0.0.1", 29500));
        assertThat(loopback.getAddress().isLoopbackAddress()).isTrue();
        assertThat(loopback.getPort()).isEqualTo(29500);
        assertThat(TransportFabric.storeBind(InetSocketAddress.createUnresolved("localhost", 29500)).getAddress().isLoopbackAddress())
            .as("MASTER_ADDR as a name, resolved").isTrue();
        // 192.0.2.1 (TEST-NET-1) is no interface of this host: every interface, same port.
        final InetSocketAddress elsewhere = TransportFabric.storeBind(new InetSocketAddress("192.0.2.1", 29501));
        assertThat(elsewhere.getAddress().isAnyLocalAddress()).isTrue();
        assertThat(elsewhere.getPort()).isEqualTo(29501);
    }
}
