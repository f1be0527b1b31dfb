package io.longhaul.transport;

/** A send failed because its session (or the whole transport) closed first; the message names why. */
public final class SessionClosedException extends IllegalStateException {
    public SessionClosedException(final String message) {
        super(message);
    }
}
