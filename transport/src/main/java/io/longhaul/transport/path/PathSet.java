package io.longhaul.transport.path;

/**
 * What a {@link PathScheduler} sees of one connection's paths: a read-only view, valid only during
 * the call it is passed to, indexed by path id {@code 0..count()-1}.
 *
 * <p>A path is <em>usable</em> when its peer address is known and it has not been declared failed;
 * it <em>has window</em> when it is usable and its congestion window (and sent-packet record) has
 * room for one more full datagram; it is <em>ready</em> when, in addition, its pacer lets it send at
 * {@code nowNs} ({@code readyAtNs(i) - nowNs <= 0}).
 */
public interface PathSet {
    /** @return the number of paths. */
    int count();

    /** @return whether the path has a peer address and has not been declared failed. */
    boolean usable(int path);

    /** @return whether the path is usable and its congestion window has room for a full datagram. */
    boolean hasWindow(int path);

    /** @return when the path's pacer next lets it send (at or before now: ready). */
    long readyAtNs(int path);

    /** @return the path's congestion window in bytes. */
    long congestionWindowBytes(int path);

    /** @return bytes sent on the path and neither acknowledged nor declared lost. */
    long bytesInFlight(int path);

    /** @return the smoothed RTT (the configured initial RTT before the first sample). */
    long smoothedRttNs(int path);

    /** @return the minimum RTT seen, or -1 before the first sample. */
    long minRttNs(int path);

    /**
     * @return the rate the path is estimated to carry, bytes per second: the controller's pacing
     *         rate when it paces, else its window over the smoothed RTT.
     */
    long deliveryRateBytesPerSecond(int path);

    /** @return packets sent on the path so far (all kinds that count toward bytes in flight). */
    long packetsSent(int path);

    /** @return packets on the path declared lost so far. */
    long lostPackets(int path);

    /**
     * Asks for the path to be moved to a fresh local source port (so an ECMP fabric hashes it onto
     * another link), as PLB does. Honoured on the connection's next poll if the driver can re-path;
     * otherwise nothing happens and the scheduler may ask again later.
     */
    void repath(int path);
}
