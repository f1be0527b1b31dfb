package io.longhaul.collectives.fabric;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;

class MessagePoolTest {
    @Test
    void shouldHandBackAGivenBufferOfTheSameLengthOnlyOnce() {
        final MessagePool pool = new MessagePool(1 << 20);
        final ByteBuffer a = pool.take(8192);
        assertThat(a.capacity()).isEqualTo(8192);
        a.position(100).limit(200);
        pool.give(a);
        assertThat(pool.take(8193)).as("another length is a new buffer").isNotSameAs(a);
        final ByteBuffer again = pool.take(8192);
        assertThat(again).isSameAs(a);
        assertThat(again.position()).isZero();
        assertThat(again.limit()).isEqualTo(8192);
        assertThat(pool.take(8192)).as("given once, handed out once").isNotSameAs(a);
        assertThat(pool.reused()).isEqualTo(1);
    }

    @Test
    void shouldKeepNoMoreThanItsBoundAndNothingItCannotReuseWhole() {
        final MessagePool pool = new MessagePool(3 * 8192);
        for (int i = 0; i < 5; i++) {
            pool.give(ByteBuffer.allocate(8192));
        }
        assertThat(pool.pooledBytes()).isEqualTo(3 * 8192);
        final MessagePool other = new MessagePool(1 << 20);
        other.give(ByteBuffer.allocate(100));
        other.give(ByteBuffer.allocateDirect(8192));
        other.give(ByteBuffer.allocate(8192).asReadOnlyBuffer());
        other.give(ByteBuffer.allocate(16384).position(8192).slice());
        assertThat(other.pooledBytes()).as("small, direct, read-only and sliced buffers are not kept").isZero();
    }
}
