package io.longhaul.collectives.rendezvous;

/** Ranks could not find each other: the store is unreachable, or some ranks never showed up in time. */
public class RendezvousException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RendezvousException(final String message) {
        super(message);
    }

    public RendezvousException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
