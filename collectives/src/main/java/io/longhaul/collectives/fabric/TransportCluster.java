package io.longhaul.collectives.fabric;

import io.longhaul.transport.security.JobKey;

import io.longhaul.collectives.Topology;
import io.longhaul.transport.protocol.DataFlyweight;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * N ranks in one process, each a {@link TransportFabric} with its own transport(s) on real sockets
 * (loopback unless {@link TransportFabricConfig#bindHost} says otherwise): the real protocol, the
 * real event loops and the in-process link emulator, without a launcher. With a multi-DC topology
 * and a link, traffic between DCs crosses the emulated link and traffic inside a DC does not.
 *
 * <p>{@link #kill(int)} takes a rank down abruptly (its sessions close; peers see it at once).
 */
public final class TransportCluster implements AutoCloseable {
    /**
     * DATA payload of in-process clusters unless configured: jumbo frames (a 9000-byte MTU, common
     * in DC fabrics and on DCI links). Loopback carries them, and they cut the per-packet work that
     * otherwise dominates when several ranks share a few cores.
     */
    public static final int LOOPBACK_MAX_PAYLOAD_BYTES = 9000 - 28 - DataFlyweight.HEADER_LENGTH;

    private final List<TransportFabric> fabrics;
    private final Topology topology;

    private TransportCluster(final List<TransportFabric> fabrics, final Topology topology) {
        this.fabrics = fabrics;
        this.topology = topology;
    }

    /**
     * Opens {@code ranks} fabrics and connects every pair, within
     * {@link TransportFabricConfig#connectTimeoutNs()}.
     *
     * @throws IllegalArgumentException if the topology does not have {@code ranks} ranks.
     */
    public static TransportCluster open(final int ranks, final TransportFabricConfig config) {
        if (ranks < 1) {
            throw new IllegalArgumentException("ranks " + ranks + " is out of range; accepted: >= 1");
        }
        final Topology topology = config.topology() == null ? Topology.flat(ranks) : config.topology();
        if (topology.size() != ranks) {
            throw new IllegalArgumentException("topology " + topology + " has " + topology.size() + " ranks but " + ranks
                + " were asked for");
        }
        final TransportFabricConfig c = config.copy().topology(topology);
        if (c.key() == null && !c.insecure()) {
            // Every rank is in this process: one fresh key for the cluster.
            c.key(JobKey.random());
        }
        if (c.maxPayloadBytes() == 0) {
            c.maxPayloadBytes(LOOPBACK_MAX_PAYLOAD_BYTES);
        }
        c.validate();
        final String host = c.bindHost() == null ? "127.0.0.1" : c.bindHost();
        final List<TransportFabric> fabrics = new ArrayList<>();
        final ExecutorService connectors = Executors.newFixedThreadPool(ranks, r -> {
            final Thread t = new Thread(r, "longhaul-cluster-connect");
            t.setDaemon(true);
            return t;
        });
        try {
            for (int r = 0; r < ranks; r++) {
                fabrics.add(new TransportFabric(r, ranks, c, host));
            }
            final String[] addresses = new String[ranks];
            for (int r = 0; r < ranks; r++) {
                addresses[r] = fabrics.get(r).addresses(host);
            }
            final List<CompletableFuture<Void>> connecting = new ArrayList<>();
            for (final TransportFabric f : fabrics) {
                connecting.add(CompletableFuture.runAsync(() -> f.connectPeers(addresses, c.connectTimeoutNs()), connectors));
            }
            CompletableFuture.allOf(connecting.toArray(new CompletableFuture<?>[0])).join();
            return new TransportCluster(List.copyOf(fabrics), topology);
        } catch (final CompletionException e) {
            fabrics.forEach(f -> f.abort("cluster set-up failed"));
            throw e.getCause() instanceof RuntimeException ? (RuntimeException) e.getCause() : e;
        } catch (final RuntimeException e) {
            fabrics.forEach(f -> f.abort("cluster set-up failed"));
            throw e;
        } finally {
            connectors.shutdownNow();
        }
    }

    public int size() {
        return fabrics.size();
    }

    public Topology topology() {
        return topology;
    }

    public TransportFabric fabric(final int rank) {
        return fabrics.get(rank);
    }

    public List<TransportFabric> fabrics() {
        return fabrics;
    }

    /** Takes {@code rank} down at once: its transports close, so every peer's session with it closes. */
    public void kill(final int rank) {
        fabrics.get(rank).abort("rank " + rank + " was killed");
    }

    /**
     * Closes every rank: first waits until every rank's sends in flight are acknowledged (while all
     * ranks are still up to acknowledge them), then closes them all.
     */
    @Override
    public void close() {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (final TransportFabric f : fabrics) {
            f.awaitDrained(deadline);
        }
        for (final TransportFabric f : fabrics) {
            f.abort("rank " + f.rank() + " closed its fabric");
        }
    }
}
