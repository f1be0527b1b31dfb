package io.longhaul.transport.path;

/**
 * Chooses the path for each packet of one connection: spraying, weighting, minimum RTT, flowlets,
 * PLB-style re-pathing, or one path only. Found by name through {@link PathSchedulerProvider};
 * one instance per connection, called on the connection's thread only, with time as a parameter.
 *
 * <p>Contract (checked for every built-in by {@code PathSchedulerContract} in longhaul-testkit):
 * <ul>
 *   <li>{@link #pick} returns -1 or a path that {@link PathSet#hasWindow has window}: never one
 *       without (the connection rejects that as a bug, loudly);</li>
 *   <li>when some path has window and is ready, a scheduler that spreads load returns a path
 *       rather than -1 unless it is deliberately waiting for one (a flowlet that must not move);</li>
 *   <li>every usable path with window is picked now and then, so its RTT and rate stay measured
 *       (except for a scheduler that uses one path by design);</li>
 *   <li>the same inputs give the same picks: no clock, no unseeded randomness.</li>
 * </ul>
 *
 * <p>If the returned path is not ready yet, the connection waits for its pacer before sending. So
 * a scheduler that prefers a path (minimum RTT) returns it and waits; one that wants every byte of
 * capacity (spraying) returns a ready path when there is one.
 *
 * <p>Probes after a probe timeout, background probes of failed paths and keep-alives are sent by
 * the connection on their own path and do not go through {@link #pick}; every packet sent on a path
 * is reported to {@link #onSent}.
 */
public interface PathScheduler {
    /**
     * @return the path for the next data packet, or -1 to send nothing now (the connection tries
     *         again at its next wake-up: an ACK, a pacer or another timer).
     */
    int pick(long nowNs, PathSet paths);

    /** A packet of {@code bytes} left on {@code path}. */
    default void onSent(final long nowNs, final int path, final int bytes) {
    }

    /**
     * An ACK for {@code path} was processed.
     *
     * @param ackedBytes  bytes newly acknowledged (0 when the ACK acknowledged nothing new).
     * @param rttSampleNs the RTT sample it gave, or -1.
     */
    default void onAck(final long nowNs, final int path, final long ackedBytes, final long rttSampleNs, final PathSet paths) {
    }

    /** The connection declared {@code lostPackets} packets of {@code path} lost. */
    default void onLoss(final long nowNs, final int path, final int lostPackets, final PathSet paths) {
    }

    /**
     * A probe timeout fired on {@code path}: nothing it sent was acknowledged for a while. Also
     * fires for a failed path each time a background probe goes unanswered.
     *
     * @param failed whether the path is (now) declared failed.
     */
    default void onProbeTimeout(final long nowNs, final int path, final boolean failed, final PathSet paths) {
    }

    /** {@code path} was declared failed ({@code usable} false) or reinstated ({@code usable} true). */
    default void onPathStateChanged(final long nowNs, final int path, final boolean usable, final PathSet paths) {
    }

    /** {@code path} moved to a fresh source port (a {@link PathSet#repath} request was honoured). */
    default void onRepathed(final long nowNs, final int path) {
    }
}
