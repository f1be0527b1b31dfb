package io.longhaul.transport.media;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * What finding the sender's {@link Route} costs per received datagram ({@link UdpPort#route}), with
 * senders alternating as on a ring's socket (DATA from one neighbour, ACKs from the other) and, as
 * Netty hands them over, a new but equal address object per read:
 * <ul>
 *   <li>{@link #cachedRoute}: the port's route cache (last sender, then a map by address);</li>
 *   <li>{@link #lastSenderOnly}: what the port did before: the last sender's route, else a new
 *       {@code Route} (every datagram here, since the sender always changes);</li>
 *   <li>{@link #baselineCopy}: a plain 1472-byte direct {@code ByteBuffer} copy.</li>
 * </ul>
 * {@code senders}: peers alternating on the socket. Run with {@code -prof gc}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Thread)
public class RouteLookupBenchmark {
    @Param({"2", "16"})
    int senders;

    /** Equal address objects per sender, as Netty makes a new one per read. */
    private static final int COPIES = 64;

    private UdpPort port;
    private InetSocketAddress[] addresses;
    private int next;
    private InetSocketAddress lastSender;
    private Route lastRoute;
    private final ByteBuffer source = ByteBuffer.allocateDirect(1472);
    private final ByteBuffer target = ByteBuffer.allocateDirect(1472);

    @Setup(Level.Trial)
    public void setUp() {
        port = new UdpPort(null, 0, null, null);
        addresses = new InetSocketAddress[senders * COPIES];
        for (int c = 0; c < COPIES; c++) {
            for (int s = 0; s < senders; s++) {
                addresses[c * senders + s] = new InetSocketAddress("10.0.0." + (s + 1), 9000 + s);
            }
        }
    }

    private InetSocketAddress nextSender() {
        final InetSocketAddress a = addresses[next];
        next = next + 1 == addresses.length ? 0 : next + 1;
        return a;
    }

    @Benchmark
    public Route cachedRoute() {
        return port.route(nextSender());
    }

    @Benchmark
    public Route lastSenderOnly() {
        final InetSocketAddress remote = nextSender();
        if (lastRoute != null && remote.equals(lastSender)) {
            return lastRoute;
        }
        lastSender = remote;
        lastRoute = new Route(port, remote);
        return lastRoute;
    }

    @Benchmark
    public ByteBuffer baselineCopy() {
        target.put(0, source, 0, 1472);
        return target;
    }
}
