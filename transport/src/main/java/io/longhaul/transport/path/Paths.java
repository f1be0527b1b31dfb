package io.longhaul.transport.path;

/** Choices the built-in schedulers share. */
final class Paths {
    private Paths() {
    }

    /**
     * @return the first path, in rotation order from {@code start}, that has window and is ready;
     *         failing that the path with window whose pacer is ready soonest; -1 if no path has window.
     */
    static int firstReady(final long nowNs, final PathSet paths, final int start) {
        final int n = paths.count();
        int soonest = -1;
        long soonestAt = Long.MAX_VALUE;
        for (int k = 0; k < n; k++) {
            final int i = (start + k) % n;
            if (!paths.hasWindow(i)) {
                continue;
            }
            final long at = paths.readyAtNs(i);
            if (at - nowNs <= 0) {
                return i;
            }
            if (soonest < 0 || at - soonestAt < 0) {
                soonest = i;
                soonestAt = at;
            }
        }
        return soonest;
    }

    /** @return the path with window that was picked longest ago (lowest {@code lastPicked}), or -1. */
    static int leastRecent(final PathSet paths, final long[] lastPicked) {
        int best = -1;
        for (int i = 0; i < paths.count(); i++) {
            if (paths.hasWindow(i) && (best < 0 || lastPicked[i] < lastPicked[best])) {
                best = i;
            }
        }
        return best;
    }
}
