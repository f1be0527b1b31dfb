package io.longhaul.collectives;

/**
 * A collective failed on this rank: ranks disagreed on its arguments, a peer died or aborted, or
 * it timed out. The message names the collective, its sequence number, this rank, and the cause.
 * The communicator is unusable afterwards (like an aborted NCCL communicator).
 */
public class CollectiveException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CollectiveException(final String message) {
        super(message);
    }

    public CollectiveException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
