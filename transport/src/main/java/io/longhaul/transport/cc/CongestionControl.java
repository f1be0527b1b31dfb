package io.longhaul.transport.cc;

/**
 * A per-path congestion controller. The transport core feeds it with what it observes (packets
 * sent, acknowledgements, losses, RTT samples), always passing the current time as {@code nowNs},
 * and asks it how many bytes may be in flight and how fast to pace them.
 *
 * <p>Implementations are single-threaded: the core calls them from the one thread that owns the
 * connection. They must never read a clock, sleep or allocate on the per-packet path.
 *
 * <p>New algorithms are plugged in through {@link CongestionControlProvider} and
 * {@link java.util.ServiceLoader}; the contract every implementation must honour is checked by
 * {@code io.longhaul.testkit.CongestionControlContract}.
 */
public interface CongestionControl {

    /** Pacing rate meaning "send as fast as the window allows". */
    long UNPACED = Long.MAX_VALUE;

    /** @return the name this controller was created under, for example {@code "cubic"}. */
    String name();

    /**
     * A packet that counts toward bytes in flight has been sent.
     *
     * @param nowNs         current time.
     * @param bytes         size of the datagram in bytes.
     * @param bytesInFlight bytes in flight on the path, including this packet.
     */
    void onPacketSent(long nowNs, int bytes, long bytesInFlight);

    /**
     * A new RTT sample was taken (RFC 9002 section 5), before the {@link #onAck} of the same ACK.
     *
     * @param nowNs         current time.
     * @param latestRttNs   the sample, already corrected for the peer's reported ACK delay.
     * @param minRttNs      minimum RTT seen on the path.
     * @param smoothedRttNs smoothed RTT after this sample.
     */
    void onRttSample(long nowNs, long latestRttNs, long minRttNs, long smoothedRttNs);

    /**
     * Packets were newly acknowledged. The sample is reused by the caller after this method
     * returns; copy what you need.
     */
    void onAck(long nowNs, AckSample ack);

    /**
     * Packets were declared lost. The sample is reused by the caller after this method returns.
     */
    void onLoss(long nowNs, LossSample loss);

    /** @return the congestion window in bytes; never below the configured minimum window. */
    long congestionWindowBytes();

    /**
     * @return the rate at which the core paces packets, in bytes per second, or {@link #UNPACED}.
     *         Always positive.
     */
    long pacingRateBytesPerSecond();
}
