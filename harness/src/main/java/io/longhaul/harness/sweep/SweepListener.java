package io.longhaul.harness.sweep;

import java.util.List;

/** Progress of a {@link Sweep}; methods are called on the sweeping thread. */
public interface SweepListener {
    /** A listener that ignores everything. */
    SweepListener NONE = new SweepListener() {
    };

    /** Cell {@code index} (0-based) of {@code total} is about to run. */
    default void onCellStart(final SweepCell cell, final int index, final int total) {
    }

    /** Cell {@code index} finished; its rows are already in the results file. */
    default void onCellDone(final SweepCell cell, final int index, final int total, final List<SweepRow> rows) {
    }

    /** Cell {@code index} was found in the results file and not run again. */
    default void onCellSkipped(final SweepCell cell, final int index, final int total) {
    }

    /** Cell {@code index} failed; the sweep goes on with the next cell and the cell will run again on a re-run. */
    default void onCellFailed(final SweepCell cell, final int index, final int total, final RuntimeException error) {
    }
}
