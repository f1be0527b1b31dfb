package io.longhaul.transport.protocol;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Little-endian absolute access to {@link ByteBuffer}s through {@link VarHandle}s: the wire
 * format's byte order whatever the buffer's own order, heap or direct, with no allocation and no
 * {@code Unsafe} (so no JVM flags are needed).
 */
public final class Bytes {
    private static final VarHandle SHORT = MethodHandles.byteBufferViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private Bytes() {
    }

    public static short getShort(final ByteBuffer buffer, final int index) {
        return (short) SHORT.get(buffer, index);
    }

    public static void putShort(final ByteBuffer buffer, final int index, final short value) {
        SHORT.set(buffer, index, value);
    }

    public static int getInt(final ByteBuffer buffer, final int index) {
        return (int) INT.get(buffer, index);
    }

    public static void putInt(final ByteBuffer buffer, final int index, final int value) {
        INT.set(buffer, index, value);
    }

    public static long getLong(final ByteBuffer buffer, final int index) {
        return (long) LONG.get(buffer, index);
    }

    public static void putLong(final ByteBuffer buffer, final int index, final long value) {
        LONG.set(buffer, index, value);
    }
}
