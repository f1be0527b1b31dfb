package io.longhaul.transport;

import io.longhaul.transport.core.ConnectionStats;
import io.longhaul.transport.core.DropReason;
import io.longhaul.transport.core.MissingRanges;
import io.longhaul.transport.core.PathStats;
import io.longhaul.transport.core.SendStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Real sockets on loopback: transfers through the Netty driver, with and without the link emulator. */
class TransportTest {
    private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    /** Collects received messages and checks their bytes against the deterministic pattern. */
    static final class Receiver implements MessageHandler {
        final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        volatile long messages;
        volatile long bytes;

        @Override
        public void onMessage(final Session session, final int tag, final ByteBuffer data, final MissingRanges missing) {
            if (!missing.isEmpty()) {
                errors.add("message " + tag + " missing " + missing);
            }
            final ByteBuffer expected = pattern(tag, data.remaining());
            if (!expected.equals(data)) {
                errors.add("message " + tag + " corrupted");
            }
            bytes += data.remaining();
            messages++;
        }
    }

    static ByteBuffer pattern(final int tag, final int size) {
        final ByteBuffer b = ByteBuffer.allocateDirect(size).order(ByteOrder.LITTLE_ENDIAN);
        final SplittableRandom r = new SplittableRandom(tag);
        while (b.remaining() >= 8) {
            b.putLong(r.nextLong());
        }
        while (b.hasRemaining()) {
            b.put((byte) r.nextInt());
        }
        return b.flip();
    }

    static TransportContext context() {
        return new TransportContext().bindAddress(ANY_LOOPBACK).socketBufferBytes(4 << 20).congestionControl("bbr");
    }

    static void await(final BooleanSupplier condition, final long timeoutMs, final String what) {
        final long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("timed out after " + timeoutMs + " ms waiting for " + what);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    @Test
    @Timeout(60)
    void shouldDeliver64MiBIntactOverEmulatedLossyLink() throws Exception {
        final Receiver receiver = new Receiver();
        final String link = "delay=1ms,loss=1%";
        try (Transport server = Transport.open(context().link(link).linkSeed(11L).messageHandler(receiver));
             Transport client = Transport.open(context().link(link).linkSeed(12L))) {
            final Session session = client.connect(server.localAddress());
            final int size = 4 << 20;
            final List<CompletableFuture<SendStatus>> sends = new ArrayList<>();
            for (int tag = 0; tag < 16; tag++) {
                sends.add(session.send(tag, pattern(tag, size)));
            }
            CompletableFuture.allOf(sends.toArray(new CompletableFuture<?>[0])).get(50, TimeUnit.SECONDS);
            for (final CompletableFuture<SendStatus> f : sends) {
                assertThat(f.get()).isEqualTo(SendStatus.DELIVERED);
            }
            await(() -> receiver.messages == 16, 5_000, "16 messages at the receiver");
            assertThat(receiver.errors).isEmpty();
            assertThat(receiver.bytes).isEqualTo(64L << 20);
            final ConnectionStats stats = session.stats();
            assertThat(stats.sum(PathStats::retransmittedPackets)).as("losses were repaired").isPositive();
            assertThat(client.emulatorCounters().lost()).isPositive();
        }
    }
}
