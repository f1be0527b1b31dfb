package io.longhaul.transport.core;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Connection ids: repeatable from a seed in the simulator, unpredictable on real sockets. */
class ConnectionIdTest {
    private static final ConnectionHandler NONE = new ConnectionHandler() {
        @Override
        public void onMessage(final Connection c, final int tag, final long id, final ByteBuffer data, final MissingRanges missing) {
        }
    };

    private static long firstId(final CoreConfig config) {
        return new Endpoint(config, NONE).connect(0, "peer").localId();
    }

    @Test
    void shouldRepeatSeededIdsAndNeverRepeatSecureOnes() {
        final CoreConfig seeded = new CoreConfig().connectionIdSeed(42);
        assertThat(firstId(seeded)).as("same seed, same id").isEqualTo(firstId(seeded.copy()));
        // The seeded generator's next id follows from the seed: exactly what an outsider must not be able to do.
        long expected;
        final SplittableRandom replay = new SplittableRandom(42);
        do {
            expected = replay.nextLong();
        } while (expected == 0);
        assertThat(firstId(seeded)).isEqualTo(expected);
        final Set<Long> secure = new HashSet<>();
        for (int i = 0; i < 64; i++) {
            secure.add(firstId(new CoreConfig().connectionIdSeed(42).secureConnectionIds(true)));
        }
        assertThat(secure).as("64 endpoints with the same seed, secure ids").hasSize(64).doesNotContain(expected);
    }
}
