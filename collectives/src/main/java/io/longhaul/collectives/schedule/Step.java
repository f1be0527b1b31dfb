package io.longhaul.collectives.schedule;

import java.util.Arrays;

/**
 * One step of a rank's {@link Schedule}. Regions are in elements of the collective's data type,
 * inside one of the schedule's logical buffers ({@link Schedule#INPUT}, {@link Schedule#OUTPUT},
 * {@link Schedule#SCRATCH}).
 *
 * @param index     position in the schedule.
 * @param kind      what the step does.
 * @param peer      the other rank of a SEND/RECV, else -1.
 * @param tag       per-(sender, receiver) sequence number of a SEND/RECV: the n-th message from A
 *                  to B in a schedule carries tag n on both sides; else -1.
 * @param buffer    SEND: the region read; RECV/COPY/REDUCE/DIVIDE: the region written.
 * @param offset    first element of the region.
 * @param count     elements in the region (0 allowed for pure synchronization messages).
 * @param srcBuffer COPY/REDUCE: the buffer read, else -1.
 * @param srcOffset COPY/REDUCE: first element read, else -1.
 * @param reduce    RECV: combine the received elements into the region instead of overwriting it.
 * @param deps      indices of steps that must complete first (all lower than {@code index}).
 */
public record Step(int index, Kind kind, int peer, int tag, int buffer, int offset, int count, int srcBuffer,
                   int srcOffset, boolean reduce, int[] deps) {

    /** What a step does. */
    public enum Kind {
        /** Send {@code count} elements of {@code buffer} at {@code offset} to {@code peer}. */
        SEND,
        /** Receive from {@code peer} into the region (or reduce into it when {@code reduce}). */
        RECV,
        /** Copy {@code count} elements from the source region into the region. */
        COPY,
        /** Combine the source region into the region with the collective's operator. */
        REDUCE,
        /** Divide the region by the number of ranks (the end of an average). */
        DIVIDE
    }

    @Override
    public String toString() {
        final StringBuilder sb = new StringBuilder().append('#').append(index).append(' ').append(kind);
        if (kind == Kind.SEND || kind == Kind.RECV) {
            sb.append(kind == Kind.SEND ? " to " : " from ").append(peer).append(" tag ").append(tag);
        }
        if (kind == Kind.COPY || kind == Kind.REDUCE) {
            sb.append(' ').append(Schedule.bufferName(srcBuffer)).append('[').append(srcOffset).append("..] ->");
        }
        sb.append(' ').append(Schedule.bufferName(buffer)).append('[').append(offset).append('+').append(count).append(']');
        if (reduce) {
            sb.append(" reduce");
        }
        if (deps.length > 0) {
            sb.append(" after ").append(Arrays.toString(deps));
        }
        return sb.toString();
    }
}
