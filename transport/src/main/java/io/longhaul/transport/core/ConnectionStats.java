package io.longhaul.transport.core;

import java.util.List;

/**
 * A snapshot of one connection's counters, with one {@link PathStats} per path.
 *
 * @param localId                 this end's connection id.
 * @param state                   lifecycle state.
 * @param messagesSent            messages accepted by {@link Connection#send}.
 * @param messagesDelivered       sent messages fully acknowledged.
 * @param messagesExpired         sent deadline messages whose deadline passed first.
 * @param messagesReceived        messages handed to the application (complete or at their deadline).
 * @param bytesReceived           message bytes handed to the application.
 * @param duplicateChunks         DATA payloads that arrived again after their first copy.
 * @param redundantRepairs        chunks acknowledged more than once (a repair turned out unneeded).
 * @param flowControlBlocked      times new data waited for the peer's receive window.
 * @param reassemblyBytes         bytes of reassembly buffers currently allocated.
 * @param paths                   per-path statistics.
 * @param scheduler               the path scheduler's spec.
 * @param pathEvents              path failures, reinstatements and re-paths, oldest first (the
 *                                most recent {@value Connection#MAX_PATH_EVENTS}).
 */
public record ConnectionStats(
    long localId,
    ConnectionState state,
    long messagesSent,
    long messagesDelivered,
    long messagesExpired,
    long messagesReceived,
    long bytesReceived,
    long duplicateChunks,
    long redundantRepairs,
    long flowControlBlocked,
    long reassemblyBytes,
    List<PathStats> paths,
    String scheduler,
    List<PathEvent> pathEvents) {

    /** @return the sum of a counter over all paths. */
    public long sum(final java.util.function.ToLongFunction<PathStats> counter) {
        long total = 0;
        for (final PathStats p : paths) {
            total += counter.applyAsLong(p);
        }
        return total;
    }
}
