package io.longhaul.collectives;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which data center each rank lives in. Hierarchical algorithms keep most traffic inside a DC and
 * send only one shard per rank across the long-haul links.
 *
 * <p>Text forms ({@link #parse}): {@code DxM} for D data centers of M ranks each, ranks numbered
 * DC by DC ({@code 2x2} = ranks 0,1 in DC 0 and 2,3 in DC 1), or an explicit comma-separated DC
 * index per rank ({@code 0,0,1,1}, {@code 0,1,0,1}). DC indices must be 0..D-1 with every DC used.
 */
public final class Topology {
    private final int[] dcOfRank;
    private final int[][] ranksOfDc;

    private Topology(final int[] dcOfRank) {
        if (dcOfRank.length == 0) {
            throw new IllegalArgumentException("a topology needs at least one rank");
        }
        this.dcOfRank = dcOfRank;
        final int dcs = Arrays.stream(dcOfRank).max().orElse(0) + 1;
        final List<List<Integer>> members = new ArrayList<>();
        for (int d = 0; d < dcs; d++) {
            members.add(new ArrayList<>());
        }
        for (int r = 0; r < dcOfRank.length; r++) {
            if (dcOfRank[r] < 0) {
                throw new IllegalArgumentException("rank " + r + " has DC index " + dcOfRank[r] + "; accepted: >= 0");
            }
            members.get(dcOfRank[r]).add(r);
        }
        ranksOfDc = new int[dcs][];
        for (int d = 0; d < dcs; d++) {
            if (members.get(d).isEmpty()) {
                throw new IllegalArgumentException("DC " + d + " has no ranks; DC indices must be 0.." + (dcs - 1) + " with every DC used");
            }
            ranksOfDc[d] = members.get(d).stream().mapToInt(Integer::intValue).toArray();
        }
    }

    /** One data center holding all {@code ranks} ranks. */
    public static Topology flat(final int ranks) {
        return new Topology(new int[ranks]);
    }

    /** {@code dcs} data centers of {@code ranksPerDc} ranks, numbered DC by DC. */
    public static Topology uniform(final int dcs, final int ranksPerDc) {
        if (dcs < 1 || ranksPerDc < 1) {
            throw new IllegalArgumentException("topology " + dcs + "x" + ranksPerDc + " is empty; both factors must be >= 1");
        }
        final int[] map = new int[dcs * ranksPerDc];
        for (int r = 0; r < map.length; r++) {
            map[r] = r / ranksPerDc;
        }
        return new Topology(map);
    }

    /** A DC index per rank. */
    public static Topology of(final int... dcOfRank) {
        return new Topology(dcOfRank.clone());
    }

    /** Parses {@code DxM} or a comma-separated DC index per rank. */
    public static Topology parse(final String text) {
        final String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        try {
            if (t.contains("x")) {
                final String[] parts = t.split("x");
                if (parts.length != 2) {
                    throw new IllegalArgumentException("expected DxM");
                }
                return uniform(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
            }
            return of(Arrays.stream(t.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray());
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException("bad topology '" + text + "': " + e.getMessage()
                + "; accepted: DxM (e.g. 2x4) or a DC index per rank (e.g. 0,0,1,1)", e);
        }
    }

    /** @return the number of ranks. */
    public int size() {
        return dcOfRank.length;
    }

    public int dcCount() {
        return ranksOfDc.length;
    }

    public int dcOf(final int rank) {
        return dcOfRank[rank];
    }

    /** @return the ranks of DC {@code dc}, ascending. */
    public int[] ranksIn(final int dc) {
        return ranksOfDc[dc].clone();
    }

    /** @return whether every DC holds the same number of ranks. */
    public boolean isUniform() {
        for (final int[] r : ranksOfDc) {
            if (r.length != ranksOfDc[0].length) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        if (isUniform()) {
            boolean contiguous = true;
            for (int r = 0; r < dcOfRank.length; r++) {
                contiguous &= dcOfRank[r] == r / ranksOfDc[0].length;
            }
            if (contiguous) {
                return dcCount() + "x" + ranksOfDc[0].length;
            }
        }
        final StringBuilder sb = new StringBuilder();
        for (int r = 0; r < dcOfRank.length; r++) {
            sb.append(r == 0 ? "" : ",").append(dcOfRank[r]);
        }
        return sb.toString();
    }
}
