package io.longhaul.collectives.fabric;

/** A peer rank became unreachable: it died, closed its connection, or this rank was shut down. */
public class PeerFailureException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int peer;

    public PeerFailureException(final int peer, final String message) {
        super(message);
        this.peer = peer;
    }

    /** @return the rank that failed, or -1 if the local rank itself is down. */
    public int peer() {
        return peer;
    }
}
