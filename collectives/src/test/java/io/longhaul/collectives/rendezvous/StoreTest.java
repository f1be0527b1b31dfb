package io.longhaul.collectives.rendezvous;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The rendezvous store over real TCP on loopback: set, waiting get, counters, barriers, and bad input. */
@Timeout(30)
class StoreTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private static InetSocketAddress loopback(final StoreServer server) {
        return new InetSocketAddress("127.0.0.1", server.address().getPort());
    }

    @Test
    void shouldReturnWhatWasSetAndNullForAnUnsetKey() {
        try (StoreServer server = StoreServer.start(new InetSocketAddress("127.0.0.1", 0));
             StoreClient client = StoreClient.connect(loopback(server), SECOND)) {
            client.set("rank/0", "10.0.0.1:4000;10.0.0.1:4001");
            assertThat(client.tryGet("rank/0")).isEqualTo("10.0.0.1:4000;10.0.0.1:4001");
            assertThat(client.tryGet("rank/1")).isNull();
            assertThat(client.get("rank/1", TimeUnit.MILLISECONDS.toNanos(50))).isNull();
            client.set("rank/0", "überschrieben");
            assertThat(client.tryGet("rank/0")).isEqualTo("überschrieben");
        }
    }

    @Test
    void shouldWakeAWaitingGetWhenAnotherClientSetsTheKey() throws Exception {
        try (StoreServer server = StoreServer.start(new InetSocketAddress("127.0.0.1", 0));
             StoreClient waiter = StoreClient.connect(loopback(server), SECOND);
             StoreClient setter = StoreClient.connect(loopback(server), SECOND)) {
            final CompletableFuture<String> got = CompletableFuture.supplyAsync(() -> waiter.get("late", 20 * SECOND));
            Thread.onSpinWait();
            setter.set("late", "here");
            assertThat(got.get(10, TimeUnit.SECONDS)).isEqualTo("here");
        }
    }

    @Test
    void shouldCountAndRefuseToAddToANonCounter() {
        try (StoreServer server = StoreServer.start(new InetSocketAddress("127.0.0.1", 0));
             StoreClient client = StoreClient.connect(loopback(server), SECOND)) {
            assertThat(client.add("n", 1)).isEqualTo(1);
            assertThat(client.add("n", 5)).isEqualTo(6);
            client.set("word", "abc");
            assertThatThrownBy(() -> client.add("word", 1)).isInstanceOf(RendezvousException.class)
                .hasMessageContaining("key 'word' holds 'abc', not a counter");
        }
    }

    @Test
    void shouldReleaseABarrierOnlyWhenEveryRankArrivedAndNameTheMissingOnes() throws Exception {
        try (StoreServer server = StoreServer.start(new InetSocketAddress("127.0.0.1", 0))) {
            final CompletableFuture<?>[] fs = new CompletableFuture<?>[3];
            for (int r = 0; r < 3; r++) {
                final int rank = r;
                fs[r] = CompletableFuture.runAsync(() -> {
                    try (StoreClient c = StoreClient.connect(loopback(server), SECOND)) {
                        c.barrier("go", rank, 3, 20 * SECOND);
                    }
                });
            }
            CompletableFuture.allOf(fs).get(20, TimeUnit.SECONDS);
            try (StoreClient c = StoreClient.connect(loopback(server), SECOND)) {
                assertThatThrownBy(() -> c.barrier("partial", 1, 4, TimeUnit.MILLISECONDS.toNanos(200)))
                    .isInstanceOf(RendezvousException.class)
                    .hasMessage("barrier 'partial' timed out after 0.2 s: ranks 0, 2, 3 never arrived");
            }
        }
    }

    @Test
    void shouldAnswerAMalformedRequestWithAnErrorAndKeepServingOthers() throws Exception {
        try (StoreServer server = StoreServer.start(new InetSocketAddress("127.0.0.1", 0));
             Socket raw = new Socket("127.0.0.1", server.address().getPort())) {
            final DataOutputStream out = new DataOutputStream(raw.getOutputStream());
            out.writeInt(3);
            out.writeByte(9);
            out.writeShort(0);
            out.flush();
            final DataInputStream in = new DataInputStream(raw.getInputStream());
            in.readInt();
            assertThat(in.readUnsignedByte()).isEqualTo(StoreProtocol.STATUS_ERROR);
            final byte[] text = new byte[in.readInt()];
            in.readFully(text);
            assertThat(new String(text, java.nio.charset.StandardCharsets.UTF_8)).startsWith("malformed request");
            try (StoreClient c = StoreClient.connect(loopback(server), SECOND)) {
                c.set("k", "v");
                assertThat(c.tryGet("k")).isEqualTo("v");
            }
        }
    }

    @Test
    void shouldNameTheStoreWhenNobodyListens() {
        final int port;
        try (StoreServer s = StoreServer.start(new InetSocketAddress("127.0.0.1", 0))) {
            port = s.address().getPort();
        }
        assertThatThrownBy(() -> StoreClient.connect(new InetSocketAddress("127.0.0.1", port), TimeUnit.MILLISECONDS.toNanos(300)))
            .isInstanceOf(RendezvousException.class)
            .hasMessageContaining("cannot reach the rendezvous store at 127.0.0.1:" + port + " (hosted by rank 0) within 0.3 s");
    }
}
