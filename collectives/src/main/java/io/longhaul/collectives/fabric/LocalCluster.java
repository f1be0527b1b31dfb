package io.longhaul.collectives.fabric;

import io.longhaul.collectives.Topology;
import io.longhaul.transport.core.MissingRanges;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * N ranks in one JVM exchanging messages in memory. A send hands the buffer straight to the
 * receiver's {@link MessageMatcher} on the sender's thread, so a collective started on every rank
 * from a single thread runs to completion without any thread switch; ranks driven from their own
 * threads work too. Timers run on one daemon thread per cluster.
 *
 * <p>{@link #kill(int)} simulates a rank dying: its peers' receives from it fail, its sends fail.
 *
 * <p>Loss: reliable messages always arrive whole (an in-memory fabric is a perfectly repaired
 * network). Deadline messages ({@link Fabric#send(int, int, ByteBuffer, long)}) are cut into
 * packets of {@link DeadlineLoss#packetBytes()} and each packet is dropped with the loss
 * probability of its link (inside a DC or between DCs), decided by a hash of the seed, the two
 * ranks, the tag and the packet's index, so the same run loses the same packets whatever the
 * threads do. A message arrives at once with the dropped ranges zeroed and reported as missing, as
 * the transport reports a deadline message nobody repaired in time; a message of which every
 * packet was dropped never arrives.
 */
public final class LocalCluster implements AutoCloseable {
    /**
     * Seeded per-packet loss of deadline messages.
     *
     * @param intraLoss   drop probability of a packet between ranks of the same DC, [0, 1].
     * @param interLoss   drop probability of a packet between DCs, [0, 1].
     * @param packetBytes bytes per modelled packet (the transport's default payload is 1420), >= 1.
     * @param seed        seed of the drop decisions.
     */
    public record DeadlineLoss(double intraLoss, double interLoss, int packetBytes, long seed) {
        /** No loss at all. */
        public static final DeadlineLoss NONE = new DeadlineLoss(0, 0, 1420, 0);

        public DeadlineLoss {
            if (!(intraLoss >= 0 && intraLoss <= 1) || !(interLoss >= 0 && interLoss <= 1)) {
                throw new IllegalArgumentException("loss " + intraLoss + "/" + interLoss + " is out of range; accepted: 0 to 1");
            }
            if (packetBytes < 1) {
                throw new IllegalArgumentException("packetBytes " + packetBytes + " is out of range; accepted: >= 1");
            }
        }
    }

    private final List<LocalFabric> fabrics = new ArrayList<>();
    private final ScheduledThreadPoolExecutor timers;
    private final Topology topology;
    private final DeadlineLoss loss;
    /**
     * What the loss model dropped from one deadline message.
     *
     * @param messageBytes the message's length.
     * @param ranges       the byte ranges dropped.
     */
    public record Drop(int messageBytes, MissingRanges ranges) {
    }

    private final Map<Long, Drop> dropLog = new ConcurrentHashMap<>();
    private volatile boolean recordDrops;

    public LocalCluster(final int ranks) {
        this(Topology.flat(Math.max(1, ranks)), DeadlineLoss.NONE, ranks);
    }

    /** Ranks laid out as {@code topology}, deadline messages lost as {@code loss} says. */
    public LocalCluster(final Topology topology, final DeadlineLoss loss) {
        this(topology, loss, topology.size());
    }

    private LocalCluster(final Topology topology, final DeadlineLoss loss, final int ranks) {
        if (ranks < 1) {
            throw new IllegalArgumentException("rank count " + ranks + " is out of range; accepted: >= 1");
        }
        this.topology = topology;
        this.loss = loss;
        timers = new ScheduledThreadPoolExecutor(1, r -> {
            final Thread t = new Thread(r, "longhaul-local-fabric-timer");
            t.setDaemon(true);
            return t;
        });
        timers.setRemoveOnCancelPolicy(true);
        for (int r = 0; r < ranks; r++) {
            fabrics.add(new LocalFabric(r, ranks));
        }
    }

    public int size() {
        return fabrics.size();
    }

    public Fabric fabric(final int rank) {
        return fabrics.get(rank);
    }

    public Topology topology() {
        return topology;
    }

    /** Remembers the ranges dropped from every deadline message from now on (for tests; see {@link #dropped}). */
    public void recordDrops(final boolean on) {
        recordDrops = on;
    }

    /**
     * @return the ranges the loss model dropped from the deadline message {@code from} sent to
     * {@code to} with fabric tag {@code tag} (empty if none, or if drops were not being recorded).
     */
    public MissingRanges dropped(final int from, final int to, final int tag) {
        final Drop d = dropLog.get(logKey(from, to, tag));
        return d == null ? MissingRanges.NONE : d.ranges();
    }

    /** @return what was dropped from that message with its length, or null if nothing (or not recording). */
    public Drop drop(final int from, final int to, final int tag) {
        return dropLog.get(logKey(from, to, tag));
    }

    private long logKey(final int from, final int to, final int tag) {
        return ((long) (from * fabrics.size() + to) << 32) | (tag & 0xFFFF_FFFFL);
    }

    /** @return whether packet {@code index} of the deadline message (from, to, tag) is lost. */
    private boolean lost(final int from, final int to, final int tag, final int index) {
        final double p = topology.dcOf(from) == topology.dcOf(to) ? loss.intraLoss() : loss.interLoss();
        if (p <= 0) {
            return false;
        }
        long z = loss.seed() * 0x9E3779B97F4A7C15L + ((long) from << 48) + ((long) to << 32) + (tag & 0xFFFF_FFFFL);
        z = mix(z) + index * 0xBF58476D1CE4E5B9L;
        z = mix(z);
        return (z >>> 11) * 0x1.0p-53 < p;
    }

    private static long mix(final long x) {
        long z = x;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Kills {@code rank}: every other rank's receives from it fail, and it can no longer send or receive. */
    public void kill(final int rank) {
        final LocalFabric dead = fabrics.get(rank);
        dead.dead = true;
        dead.matcher.failAll(new PeerFailureException(-1, "rank " + rank + " was killed"));
        for (final LocalFabric f : fabrics) {
            if (f != dead) {
                f.matcher.failPeer(rank, new PeerFailureException(rank, "rank " + rank + " died"));
            }
        }
    }

    @Override
    public void close() {
        for (final LocalFabric f : fabrics) {
            f.matcher.failAll(new PeerFailureException(-1, "fabric closed"));
        }
        timers.shutdownNow();
    }

    private final class LocalFabric implements Fabric {
        final int rank;
        final MessageMatcher matcher;
        volatile boolean dead;

        LocalFabric(final int rank, final int ranks) {
            this.rank = rank;
            this.matcher = new MessageMatcher(ranks);
        }

        @Override
        public int rank() {
            return rank;
        }

        @Override
        public int size() {
            return fabrics.size();
        }

        @Override
        public long nowNs() {
            return System.nanoTime();
        }

        @Override
        public CompletableFuture<Void> send(final int peer, final int tag, final ByteBuffer message) {
            if (peer < 0 || peer >= fabrics.size()) {
                return CompletableFuture.failedFuture(new IllegalArgumentException("peer " + peer + " is not a rank of " + fabrics.size()));
            }
            final LocalFabric target = fabrics.get(peer);
            if (dead) {
                return CompletableFuture.failedFuture(new PeerFailureException(-1, "rank " + rank + " was killed"));
            }
            if (target.dead) {
                return CompletableFuture.failedFuture(new PeerFailureException(peer, "rank " + peer + " died"));
            }
            target.matcher.deliver(rank, tag, message);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> send(final int peer, final int tag, final ByteBuffer message, final long deadlineNs) {
            if (peer < 0 || peer >= fabrics.size()) {
                return CompletableFuture.failedFuture(new IllegalArgumentException("peer " + peer + " is not a rank of " + fabrics.size()));
            }
            final LocalFabric target = fabrics.get(peer);
            if (dead) {
                return CompletableFuture.failedFuture(new PeerFailureException(-1, "rank " + rank + " was killed"));
            }
            if (target.dead) {
                return CompletableFuture.failedFuture(new PeerFailureException(peer, "rank " + peer + " died"));
            }
            final int length = message.remaining();
            final int packet = loss.packetBytes();
            final int packets = (length + packet - 1) / packet;
            long[] pairs = null;
            int ranges = 0;
            long missingBytes = 0;
            for (int i = 0; i < packets; i++) {
                if (!lost(rank, peer, tag, i)) {
                    continue;
                }
                final int from = i * packet;
                final int len = Math.min(packet, length - from);
                for (int b = 0; b < len; b++) {
                    message.put(message.position() + from + b, (byte) 0);
                }
                missingBytes += len;
                if (pairs == null) {
                    pairs = new long[8];
                }
                if (ranges > 0 && pairs[2 * ranges - 2] + pairs[2 * ranges - 1] == from) {
                    pairs[2 * ranges - 1] += len;
                } else {
                    if (2 * ranges + 2 > pairs.length) {
                        pairs = java.util.Arrays.copyOf(pairs, pairs.length * 2);
                    }
                    pairs[2 * ranges] = from;
                    pairs[2 * ranges + 1] = len;
                    ranges++;
                }
            }
            final MissingRanges missing = pairs == null ? MissingRanges.NONE : MissingRanges.of(java.util.Arrays.copyOf(pairs, 2 * ranges));
            if (recordDrops && !missing.isEmpty()) {
                dropLog.put(logKey(rank, peer, tag), new Drop(length, missing));
            }
            if (length > 0 && missingBytes == length) {
                return CompletableFuture.completedFuture(null);
            }
            target.matcher.deliver(rank, tag, message, missing);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<ByteBuffer> receive(final int peer, final int tag) {
            return matcher.receive(peer, tag);
        }

        @Override
        public CompletableFuture<Received> receiveMessage(final int peer, final int tag) {
            return matcher.receiveMessage(peer, tag);
        }

        @Override
        public void discard(final int peer, final int tag) {
            matcher.discard(peer, tag);
        }

        @Override
        public long rttNs(final int peer) {
            return 0;
        }

        @Override
        public Timer schedule(final long delayNs, final Runnable task) {
            if (timers.isShutdown()) {
                return () -> { };
            }
            final ScheduledFuture<?> f = timers.schedule(task, Math.max(0, delayNs), TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        }

        @Override
        public void close() {
            matcher.failAll(new PeerFailureException(-1, "rank " + rank + " closed its fabric"));
        }

        @Override
        public String toString() {
            return "LocalFabric[rank=" + rank + "/" + fabrics.size() + "]";
        }
    }
}
