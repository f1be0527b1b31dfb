package io.longhaul.collectives.rendezvous;

/**
 * Wire format of the rendezvous store, one frame per request and per response, each preceded by
 * its length (a big-endian int).
 *
 * <pre>
 * request:  u8 op, u16 key length, key (UTF-8), i32 value length, value, i64 argument
 * response: u8 status, i32 value length, value
 * </pre>
 * {@code GET}'s argument is how long to wait for the key, in ms; {@code ADD}'s the delta of a
 * counter kept as decimal text.
 *
 * <p>A store with the job key first authenticates each connection, both ways: {@code AUTH} carries
 * the client's nonce (hex) and is answered with the server's nonce and its proof, HMAC-SHA256 under
 * a key derived from the job key over ("server", both nonces); {@code PROVE} carries the client's
 * proof over ("client", both nonces). Before that, every other request is refused.
 */
final class StoreProtocol {
    static final int OP_SET = 1;
    static final int OP_GET = 2;
    static final int OP_ADD = 3;
    static final int OP_AUTH = 4;
    static final int OP_PROVE = 5;

    static final int STATUS_OK = 0;
    static final int STATUS_NOT_FOUND = 1;
    static final int STATUS_ERROR = 2;

    static final int MAX_KEY_BYTES = 1024;
    /** A rank's addresses take a few hundred bytes; 64 KiB leaves room and bounds a partial frame. */
    static final int MAX_VALUE_BYTES = 64 << 10;
    /** All values together. */
    static final long MAX_STORED_BYTES = 16 << 20;
    /** Connections at once. */
    static final int MAX_CONNECTIONS = 1024;
    static final int NONCE_BYTES = 16;
    static final int MAX_FRAME_BYTES = 1 + 2 + MAX_KEY_BYTES + 4 + MAX_VALUE_BYTES + 8;

    private StoreProtocol() {
    }

    /** The proof of {@code role} ("client" or "server") that it holds {@code key}, over both nonces. */
    static byte[] proof(final io.longhaul.transport.security.JobKey key, final String role, final byte[] clientNonce,
                        final byte[] serverNonce) {
        return key.mac("longhaul rendezvous " + role, clientNonce, serverNonce);
    }
}
