package io.longhaul.transport;

/**
 * A send was refused because the transport already holds {@code sendQueueCapacity} messages not yet
 * completed (back-pressure): immediately for {@code trySend}, after {@code sendTimeout} for a
 * blocking {@code send}.
 */
public final class SendQueueFullException extends IllegalStateException {
    public SendQueueFullException(final String message) {
        super(message);
    }
}
