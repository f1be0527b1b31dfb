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
            client.set("rank/2", "überall");
            assertThat(client.tryGet("rank/2")).as("UTF-8 both ways").isEqualTo("überall");
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

    @Test
    void shouldServeOnlyClientsWithTheJobKeyAndProveItselfToThem() {
        final io.longhaul.transport.security.JobKey key = io.longhaul.transport.security.JobKey.random();
        try (StoreServer server = StoreServer.start(new InetSocketAddress("127.0.0.1", 0), key);
             StoreClient rank = StoreClient.connect(loopback(server), SECOND, key)) {
            rank.set("rank/0", "10.0.0.1:4000");
            try (StoreClient outsider = StoreClient.connect(loopback(server), SECOND)) {
                assertThatThrownBy(() -> outsider.tryGet("rank/0")).isInstanceOf(RendezvousException.class)
                    .hasMessageContaining("serves only the job's ranks: give this rank the job key");
            }
            assertThatThrownBy(() -> StoreClient.connect(loopback(server), SECOND, io.longhaul.transport.security.JobKey.random()))
                .isInstanceOf(RendezvousException.class).hasMessageContaining("does not hold this job's key");
            assertThat(rank.tryGet("rank/0")).as("the job's rank is still served").isEqualTo("10.0.0.1:4000");
        }
        try (StoreServer open = StoreServer.start(new InetSocketAddress("127.0.0.1", 0))) {
            assertThatThrownBy(() -> StoreClient.connect(loopback(open), SECOND, key)).isInstanceOf(RendezvousException.class)
                .hasMessageContaining("has no job key, but this rank has one");
        }
    }

    @Test
    void shouldRefuseToOverwriteARanksKeyAndToGrowWithoutBound() {
        try (StoreServer server = StoreServer.start(new InetSocketAddress("127.0.0.1", 0));
             StoreClient a = StoreClient.connect(loopback(server), SECOND);
             StoreClient b = StoreClient.connect(loopback(server), SECOND)) {
            a.set("rank/1", "10.0.0.2:4000");
            a.set("rank/1", "10.0.0.2:4000");
            assertThatThrownBy(() -> b.set("rank/1", "10.9.9.9:6666")).isInstanceOf(RendezvousException.class)
                .hasMessageContaining("'rank/1' is already set to another value (two ranks with the same RANK?)");
            assertThat(a.tryGet("rank/1")).isEqualTo("10.0.0.2:4000");
            final String big = "x".repeat(60 << 10);
            int stored = 0;
            RendezvousException full = null;
            for (int i = 0; i < 400 && full == null; i++) {
                try {
                    b.set("junk/" + i, big);
                    stored++;
                } catch (final RendezvousException e) {
                    full = e;
                }
            }
            assertThat(full).as("16 MiB in all").isNotNull().hasMessageContaining("the store is full (16 MiB)");
            assertThat(stored).isBetween(120, 140);
            assertThatThrownBy(() -> a.set("huge", "y".repeat(65 << 10))).hasMessageContaining("too long");
            assertThat(a.tryGet("rank/1")).isEqualTo("10.0.0.2:4000");
        }
    }
}
