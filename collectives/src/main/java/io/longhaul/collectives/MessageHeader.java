package io.longhaul.collectives;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The 32-byte header in front of every collective message, so a receiver checks that its peer
 * runs the same collective with the same arguments before it touches a byte of payload.
 *
 * <pre>
 *  0 int  magic 'LHC1' (data) or 'LHCA' (abort, followed by a UTF-8 reason)
 *  4 int  collective sequence number
 *  8 byte collective, byte type, byte op, byte algorithm (ordinals)
 * 12 int  count
 * 16 int  root (-1 when not rooted)
 * 20 int  step tag
 * 24 int  payload bytes
 * 28 int  sender rank
 * </pre>
 * Little-endian. In {@link Mode#BOUNDED} the payload is framed by two copies of a table of
 * per-element contribution counts (see {@link ScheduleRunner}); the header's payload bytes
 * field counts the payload alone.
 */
final class MessageHeader {
    static final int LENGTH = 32;
    static final int MAGIC_DATA = 0x4C484331;
    static final int MAGIC_ABORT = 0x4C484341;
    /** Fabric tag bits for the step tag; the next {@link #SEQ_BITS} hold the low bits of the sequence number. */
    static final int STEP_BITS = 20;
    /**
     * Fabric tag bits for the sequence number: collectives whose numbers differ by a multiple of
     * 2^10 must not be in flight at once on a pair of ranks (a second receive with the same tag is
     * refused loudly). The top {@link io.longhaul.collectives.fabric.GroupFabric#TAG_SPACE_BITS}
     * bits are left 0 for the tag space of a {@link io.longhaul.collectives.fabric.GroupFabric}.
     */
    static final int SEQ_BITS = 10;
    static final int ABORT_STEP = (1 << STEP_BITS) - 1;
    static final int MAX_STEP_TAG = ABORT_STEP - 1;

    private MessageHeader() {
    }

    static int fabricTag(final int seq, final int stepTag) {
        return ((seq & ((1 << SEQ_BITS) - 1)) << STEP_BITS) | stepTag;
    }

    static void write(final ByteBuffer b, final int seq, final CollectiveSpec spec, final Algorithm algorithm,
                      final int tag, final int payloadBytes, final int sender) {
        b.putInt(0, MAGIC_DATA).putInt(4, seq)
            .put(8, (byte) spec.collective().ordinal()).put(9, (byte) spec.type().ordinal())
            .put(10, (byte) spec.op().ordinal()).put(11, (byte) algorithm.ordinal())
            .putInt(12, spec.count()).putInt(16, spec.root()).putInt(20, tag).putInt(24, payloadBytes).putInt(28, sender);
    }

    static ByteBuffer abort(final int seq, final int sender, final String reason) {
        final byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        final int len = Math.min(text.length, 4096);
        final ByteBuffer b = ByteBuffer.allocate(LENGTH + len).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, MAGIC_ABORT).putInt(4, seq).putInt(28, sender);
        b.position(LENGTH);
        b.put(text, 0, len);
        b.flip();
        return b;
    }

    static String abortReason(final ByteBuffer b) {
        final ByteBuffer m = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (m.remaining() < LENGTH || m.getInt(m.position()) != MAGIC_ABORT) {
            return "(malformed abort message)";
        }
        final byte[] text = new byte[m.remaining() - LENGTH];
        m.position(m.position() + LENGTH);
        m.get(text);
        return new String(text, StandardCharsets.UTF_8);
    }

    static String describe(final Collective c, final DataType t, final ReduceOp op, final Algorithm a, final int count, final int root) {
        return c.ncclName() + "(count=" + count + ", type=" + t.ncclName()
            + (c.reduces() ? ", op=" + op.ncclName() : "") + (c == Collective.BROADCAST ? ", root=" + root : "")
            + ", algorithm=" + a.algorithmName() + ")";
    }

    /**
     * @return null if {@code m} (position at the header) matches, else why not.
     */
    static String check(final ByteBuffer m, final int seq, final CollectiveSpec spec, final Algorithm algorithm,
                        final int tag, final int payloadBytes, final boolean exactLength) {
        final int p = m.position();
        if (m.remaining() < LENGTH) {
            return "message of " + m.remaining() + " bytes is shorter than the " + LENGTH + "-byte header";
        }
        final ByteBuffer b = m.order() == ByteOrder.LITTLE_ENDIAN ? m : m.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(p) != MAGIC_DATA) {
            return "bad magic 0x" + Integer.toHexString(b.getInt(p));
        }
        final int c = b.get(p + 8);
        final int t = b.get(p + 9);
        final int o = b.get(p + 10);
        final int a = b.get(p + 11);
        final int count = b.getInt(p + 12);
        final int root = b.getInt(p + 16);
        if (b.getInt(p + 4) != seq || c != spec.collective().ordinal() || t != spec.type().ordinal() || o != spec.op().ordinal()
            || a != algorithm.ordinal() || count != spec.count() || root != spec.root()) {
            final String theirs = c >= 0 && c < Collective.values().length && t >= 0 && t < DataType.values().length
                && o >= 0 && o < ReduceOp.values().length && a >= 0 && a < Algorithm.values().length
                ? describe(Collective.values()[c], DataType.values()[t], ReduceOp.values()[o], Algorithm.values()[a], count, root)
                : "(unknown)";
            return "ranks disagree on collective #" + seq + ": this rank called "
                + describe(spec.collective(), spec.type(), spec.op(), algorithm, spec.count(), spec.root())
                + " but rank " + b.getInt(p + 28) + " called " + theirs + " as collective #" + b.getInt(p + 4);
        }
        if (b.getInt(p + 20) != tag) {
            return "message tag " + b.getInt(p + 20) + " where " + tag + " was expected";
        }
        if (b.getInt(p + 24) != payloadBytes || (exactLength ? m.remaining() - LENGTH != payloadBytes : m.remaining() - LENGTH < payloadBytes)) {
            return "payload of " + (m.remaining() - LENGTH) + " bytes where " + payloadBytes + " were expected";
        }
        return null;
    }
}
