package io.longhaul.harness.scenario;

import io.longhaul.transport.sim.EcmpFabric;
import io.longhaul.transport.sim.LinkModel;
import io.longhaul.transport.sim.SimAddress;
import io.longhaul.transport.sim.SimNetwork;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Samples what the links of ECMP fabrics deliver over the virtual time of a {@link SimNetwork}: a
 * {@link SimNetwork.Tap} that adds every delivered datagram's bytes to the interval in which it
 * arrives, per watched fabric, direction and link. It only watches (it adds no event to the
 * network), so a sampled run is exactly the run it would be unsampled.
 *
 * <pre>{@code
 * FabricSampler sampler = new FabricSampler(FabricSampler.DEFAULT_INTERVAL_NS)
 *     .watch(net.fabricBetween(a0, b0), List.of(a0, a1), List.of(b0, b1), "east", "west", net.nowNs());
 * net.tap(sampler);
 * ... run ...
 * List<LinkTimeline.Series> perLink = sampler.series();
 * }</pre>
 *
 * Bytes the fabric delivered before it was watched count in the interval of the moment it was, so
 * the sum over a series always equals the link's {@code deliveredBytes} counter.
 */
public final class FabricSampler implements SimNetwork.Tap {
    /** Default interval: 50 ms of virtual time. */
    public static final long DEFAULT_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(50);
    /** Most intervals kept per series (deliveries later than that are counted in the last one): 1 hour of 50 ms. */
    public static final int MAX_INTERVALS = 72_000;

    private final long intervalNs;
    private final List<Watched> watched = new ArrayList<>();
    /** Packed (from node, to node) to index into {@link #watched} × 2 + direction. */
    private final Map<Long, Integer> routes = new HashMap<>();
    /** Packed 4-tuple to link, per datagram the hash would otherwise recompute. */
    private final Map<Long, Integer> links = new HashMap<>();

    /** One watched fabric: per direction and link, bytes per interval (grown as time passes). */
    private static final class Watched {
        final EcmpFabric fabric;
        final String nameA;
        final String nameB;
        final long[][] bins;

        Watched(final EcmpFabric fabric, final String nameA, final String nameB) {
            this.fabric = fabric;
            this.nameA = nameA;
            this.nameB = nameB;
            this.bins = new long[fabric.directions() * fabric.links()][];
            Arrays.fill(bins, new long[0]);
        }
    }

    /** @param intervalNs the sampling interval, 1 ms to 1 min of virtual time. */
    public FabricSampler(final long intervalNs) {
        if (intervalNs < TimeUnit.MILLISECONDS.toNanos(1) || intervalNs > TimeUnit.MINUTES.toNanos(1)) {
            throw new IllegalArgumentException("intervalNs " + intervalNs + " is out of range; accepted: 1 ms to 1 min");
        }
        this.intervalNs = intervalNs;
    }

    public long intervalNs() {
        return intervalNs;
    }

    /**
     * Watches {@code fabric}, which joins {@code sideA} (direction 0 leaves it) and {@code sideB}.
     *
     * @param nameA  what {@code sideA} is called in the series (a DC name).
     * @param nameB  what {@code sideB} is called.
     * @param nowNs  the network's time now: bytes delivered so far count in its interval.
     * @return this
     */
    public FabricSampler watch(final EcmpFabric fabric, final Collection<SimNetwork.SimNode> sideA, final Collection<SimNetwork.SimNode> sideB,
                               final String nameA, final String nameB, final long nowNs) {
        if (fabric.directions() != 2) {
            throw new IllegalArgumentException("fabric " + fabric + " has " + fabric.directions() + " directions; a simulated fabric has 2");
        }
        final int index = watched.size();
        final Watched w = new Watched(fabric, nameA, nameB);
        watched.add(w);
        for (final SimNetwork.SimNode a : sideA) {
            for (final SimNetwork.SimNode b : sideB) {
                routes.put(pair(a.index(), b.index()), 2 * index);
                routes.put(pair(b.index(), a.index()), 2 * index + 1);
            }
        }
        for (final EcmpFabric.LinkCounters c : fabric.counters().links()) {
            add(w, c.direction() * fabric.links() + c.link(), nowNs, c.deliveredBytes());
        }
        return this;
    }

    private static long pair(final int from, final int to) {
        return ((long) from << 32) | (to & 0xFFFF_FFFFL);
    }

    @Override
    public void onOffered(final long nowNs, final SimAddress from, final SimAddress to, final ByteBuffer datagram, final LinkModel.Fate fate) {
        if (fate.dropped() || to == null) {
            return;
        }
        final Integer route = routes.get(pair(from.node(), to.node()));
        if (route == null) {
            return;
        }
        final Watched w = watched.get(route >> 1);
        final long tuple = ((long) (from.node() & 0xFFFF) << 48) | ((long) (from.path() & 0xFFFF) << 32) | ((long) (to.node() & 0xFFFF) << 16)
            | (to.path() & 0xFFFF);
        Integer link = links.get(tuple);
        if (link == null) {
            link = w.fabric.linkFor(new SimAddress(from.node(), from.path() & 0xFFFF), new SimAddress(to.node(), to.path() & 0xFFFF));
            links.put(tuple, link);
        }
        add(w, (route & 1) * w.fabric.links() + link, fate.deliverAtNs(), datagram.remaining());
    }

    private void add(final Watched w, final int series, final long atNs, final long bytes) {
        if (bytes == 0) {
            return;
        }
        final int bin = (int) Math.min(MAX_INTERVALS - 1, Math.max(0, atNs) / intervalNs);
        long[] b = w.bins[series];
        if (bin >= b.length) {
            b = Arrays.copyOf(b, Math.min(MAX_INTERVALS, Math.max(bin + 1, 2 * b.length)));
            w.bins[series] = b;
        }
        b[bin] += bytes;
    }

    /**
     * @return one series per watched fabric, direction and link (fabrics in the order watched,
     * direction 0 first), each as long as the longest, so that all share one time axis.
     */
    public List<LinkTimeline.Series> series() {
        int length = 0;
        for (final Watched w : watched) {
            for (int s = 0; s < w.bins.length; s++) {
                length = Math.max(length, lastNonZero(w.bins[s]) + 1);
            }
        }
        final List<LinkTimeline.Series> out = new ArrayList<>();
        for (final Watched w : watched) {
            for (int d = 0; d < 2; d++) {
                for (int l = 0; l < w.fabric.links(); l++) {
                    final long[] b = w.bins[d * w.fabric.links() + l];
                    final List<Long> values = new ArrayList<>(length);
                    for (int i = 0; i < length; i++) {
                        values.add(i < b.length ? b[i] : 0L);
                    }
                    out.add(new LinkTimeline.Series(d == 0 ? w.nameA : w.nameB, d == 0 ? w.nameB : w.nameA, l, values));
                }
            }
        }
        return out;
    }

    private static int lastNonZero(final long[] b) {
        for (int i = b.length - 1; i >= 0; i--) {
            if (b[i] != 0) {
                return i;
            }
        }
        return -1;
    }

    /** @return the samples so far as a timeline with {@code events}. */
    public LinkTimeline timeline(final List<LinkTimeline.Event> events) {
        return new LinkTimeline(intervalNs / 1e6, series(), events);
    }
}
