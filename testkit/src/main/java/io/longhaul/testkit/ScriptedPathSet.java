package io.longhaul.testkit;

import io.longhaul.transport.path.PathSet;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A {@link PathSet} whose every answer is set by the test: for driving a
 * {@link io.longhaul.transport.path.PathScheduler} without a connection (contract suites, JMH).
 * Defaults: every path usable, with window, ready from time 0, a 10 ms RTT and 1 Gbit/s.
 */
public final class ScriptedPathSet implements PathSet {
    private final int count;
    private final boolean[] usable;
    private final boolean[] window;
    private final long[] readyAtNs;
    private final long[] cwnd;
    private final long[] inFlight;
    private final long[] srtt;
    private final long[] minRtt;
    private final long[] rate;
    private final long[] sent;
    private final long[] lost;
    private final int[] repathRequests;

    public ScriptedPathSet(final int count) {
        this.count = count;
        usable = new boolean[count];
        window = new boolean[count];
        readyAtNs = new long[count];
        cwnd = new long[count];
        inFlight = new long[count];
        srtt = new long[count];
        minRtt = new long[count];
        rate = new long[count];
        sent = new long[count];
        lost = new long[count];
        repathRequests = new int[count];
        Arrays.fill(usable, true);
        Arrays.fill(window, true);
        Arrays.fill(cwnd, 1L << 20);
        Arrays.fill(srtt, 10_000_000L);
        Arrays.fill(minRtt, 10_000_000L);
        Arrays.fill(rate, 125_000_000L);
    }

    /**
     * Sets every path to a seeded random but self-consistent state: some unusable, some without
     * window, some not ready until up to 1 ms after {@code nowNs}, RTTs of 0.1-20 ms.
     */
    public ScriptedPathSet randomize(final SplittableRandom random, final long nowNs) {
        for (int i = 0; i < count; i++) {
            usable[i] = random.nextInt(8) != 0;
            window[i] = usable[i] && random.nextInt(4) != 0;
            readyAtNs[i] = random.nextBoolean() ? nowNs - random.nextInt(1_000_000) : nowNs + 1 + random.nextInt(1_000_000);
            cwnd[i] = 12_000 + random.nextInt(4 << 20);
            inFlight[i] = window[i] ? random.nextLong(cwnd[i] - 1500) : cwnd[i];
            minRtt[i] = 100_000 + random.nextInt(20_000_000);
            srtt[i] = minRtt[i] + random.nextInt(5_000_000);
            rate[i] = 1_000_000 + random.nextLong(1_250_000_000L);
            sent[i] += random.nextInt(100);
            lost[i] += random.nextInt(3);
        }
        return this;
    }

    public ScriptedPathSet usable(final int path, final boolean value) {
        usable[path] = value;
        if (!value) {
            window[path] = false;
        }
        return this;
    }

    public ScriptedPathSet window(final int path, final boolean value) {
        window[path] = value && usable[path];
        return this;
    }

    public ScriptedPathSet readyAt(final int path, final long ns) {
        readyAtNs[path] = ns;
        return this;
    }

    public ScriptedPathSet rtt(final int path, final long minRttNs, final long smoothedRttNs) {
        minRtt[path] = minRttNs;
        srtt[path] = smoothedRttNs;
        return this;
    }

    public ScriptedPathSet rate(final int path, final long bytesPerSecond) {
        rate[path] = bytesPerSecond;
        return this;
    }

    public ScriptedPathSet cwnd(final int path, final long bytes, final long inFlightBytes) {
        cwnd[path] = bytes;
        inFlight[path] = inFlightBytes;
        return this;
    }

    /** Adds packets sent and lost on a path (the counters a scheduler may diff per round). */
    public ScriptedPathSet count(final int path, final long sentPackets, final long lostPackets) {
        sent[path] += sentPackets;
        lost[path] += lostPackets;
        return this;
    }

    /** @return how often the scheduler asked for {@code path} to be re-pathed. */
    public int repathRequests(final int path) {
        return repathRequests[path];
    }

    @Override
    public int count() {
        return count;
    }

    @Override
    public boolean usable(final int path) {
        return usable[path];
    }

    @Override
    public boolean hasWindow(final int path) {
        return window[path];
    }

    @Override
    public long readyAtNs(final int path) {
        return readyAtNs[path];
    }

    @Override
    public long congestionWindowBytes(final int path) {
        return cwnd[path];
    }

    @Override
    public long bytesInFlight(final int path) {
        return inFlight[path];
    }

    @Override
    public long smoothedRttNs(final int path) {
        return srtt[path];
    }

    @Override
    public long minRttNs(final int path) {
        return minRtt[path];
    }

    @Override
    public long deliveryRateBytesPerSecond(final int path) {
        return rate[path];
    }

    @Override
    public long packetsSent(final int path) {
        return sent[path];
    }

    @Override
    public long lostPackets(final int path) {
        return lost[path];
    }

    @Override
    public void repath(final int path) {
        repathRequests[path]++;
    }
}
