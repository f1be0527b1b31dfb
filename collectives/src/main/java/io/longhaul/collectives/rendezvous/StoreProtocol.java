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
 */
final class StoreProtocol {
    static final int OP_SET = 1;
    static final int OP_GET = 2;
    static final int OP_ADD = 3;

    static final int STATUS_OK = 0;
    static final int STATUS_NOT_FOUND = 1;
    static final int STATUS_ERROR = 2;

    static final int MAX_KEY_BYTES = 1024;
    static final int MAX_VALUE_BYTES = 1 << 20;
    static final int MAX_FRAME_BYTES = 1 + 2 + MAX_KEY_BYTES + 4 + MAX_VALUE_BYTES + 8;

    private StoreProtocol() {
    }
}
