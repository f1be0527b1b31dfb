package io.longhaul.collectives.rendezvous;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

/**
 * A blocking client of a {@link StoreServer}. One request at a time per client (methods are
 * synchronized); each rank holds one.
 */
public final class StoreClient implements AutoCloseable {
    private static final long RETRY_NS = TimeUnit.MILLISECONDS.toNanos(100);

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final InetSocketAddress server;

    private StoreClient(final Socket socket, final InetSocketAddress server) throws IOException {
        this.socket = socket;
        this.server = server;
        socket.setTcpNoDelay(true);
        in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
    }

    /**
     * Connects to the store at {@code server}, retrying while it is not up yet (rank 0 may start
     * after the others) until {@code timeoutNs} passed.
     *
     * @throws RendezvousException naming the address and the last error when no connection succeeded in time.
     */
    public static StoreClient connect(final InetSocketAddress server, final long timeoutNs) {
        return connect(server, timeoutNs, null);
    }

    /**
     * Connects as {@link #connect(InetSocketAddress, long)} does, then, with a job key, proves it to
     * the store and checks the store's proof (a store without the key is refused).
     */
    public static StoreClient connect(final InetSocketAddress server, final long timeoutNs, final io.longhaul.transport.security.JobKey key) {
        final StoreClient c = connectOnly(server, timeoutNs);
        if (key != null) {
            try {
                c.authenticate(key);
            } catch (final RuntimeException e) {
                c.close();
                throw e;
            }
        }
        return c;
    }

    private void authenticate(final io.longhaul.transport.security.JobKey key) {
        final java.util.HexFormat hex = java.util.HexFormat.of();
        final byte[] mine = new byte[StoreProtocol.NONCE_BYTES];
        new java.security.SecureRandom().nextBytes(mine);
        final String answer = request(StoreProtocol.OP_AUTH, "", hex.formatHex(mine), 0, 0);
        final byte[] reply;
        try {
            reply = hex.parseHex(answer == null ? "" : answer);
        } catch (final IllegalArgumentException e) {
            throw new RendezvousException("rendezvous store at " + hostPort(server) + " answered authentication with garbage");
        }
        final byte[] theirs = java.util.Arrays.copyOf(reply, Math.min(reply.length, StoreProtocol.NONCE_BYTES));
        final byte[] proof = reply.length > StoreProtocol.NONCE_BYTES ? java.util.Arrays.copyOfRange(reply, StoreProtocol.NONCE_BYTES, reply.length)
            : new byte[0];
        if (theirs.length != StoreProtocol.NONCE_BYTES
            || !java.security.MessageDigest.isEqual(proof, StoreProtocol.proof(key, "server", mine, theirs))) {
            throw new RendezvousException("the rendezvous store at " + hostPort(server) + " does not hold this job's key (is MASTER_ADDR "
                + "another job's rank 0?)");
        }
        request(StoreProtocol.OP_PROVE, "", hex.formatHex(StoreProtocol.proof(key, "client", mine, theirs)), 0, 0);
    }

    private static StoreClient connectOnly(final InetSocketAddress server, final long timeoutNs) {
        final long deadline = System.nanoTime() + timeoutNs;
        IOException last = null;
        do {
            final Socket s = new Socket();
            try {
                final InetSocketAddress target = server.isUnresolved()
                    ? new InetSocketAddress(server.getHostString(), server.getPort()) : server;
                if (target.isUnresolved()) {
                    throw new IOException("cannot resolve host '" + server.getHostString() + "'");
                }
                s.connect(target, (int) Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()), 5_000)));
                return new StoreClient(s, target);
            } catch (final IOException e) {
                last = e;
                try {
                    s.close();
                } catch (final IOException ignored) {
                    // nothing to release
                }
            }
            try {
                TimeUnit.NANOSECONDS.sleep(Math.min(RETRY_NS, Math.max(0, deadline - System.nanoTime())));
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RendezvousException("interrupted while connecting to the rendezvous store at " + hostPort(server), e);
            }
        } while (deadline - System.nanoTime() > 0);
        throw new RendezvousException("cannot reach the rendezvous store at " + hostPort(server) + " (hosted by rank 0) within "
            + seconds(timeoutNs) + ": " + (last == null ? "timed out" : last.getMessage()));
    }

    /** @return the local address this client uses to reach the store: the interface that routes to rank 0. */
    public InetAddress localAddress() {
        return socket.getLocalAddress();
    }

    public InetSocketAddress serverAddress() {
        return server;
    }

    /** Sets {@code key} to {@code value}, waking every get waiting for it. */
    public synchronized void set(final String key, final String value) {
        request(StoreProtocol.OP_SET, key, value, 0, 0);
    }

    /** @return the value of {@code key}, or null if it is not set. */
    public synchronized String tryGet(final String key) {
        return request(StoreProtocol.OP_GET, key, "", 0, 0);
    }

    /**
     * @return the value of {@code key}, waiting up to {@code timeoutNs} for some rank to set it, or
     *         null if none did in time.
     */
    public synchronized String get(final String key, final long timeoutNs) {
        final long waitMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNs));
        return request(StoreProtocol.OP_GET, key, "", waitMs, waitMs);
    }

    /** Adds {@code delta} to the counter {@code key} (0 when unset) and returns the new value. */
    public synchronized long add(final String key, final long delta) {
        return Long.parseLong(request(StoreProtocol.OP_ADD, key, "", delta, 0));
    }

    /**
     * Waits until all {@code size} ranks reached the barrier {@code name}.
     *
     * @throws RendezvousException naming the ranks that never arrived within {@code timeoutNs}.
     */
    public void barrier(final String name, final int rank, final int size, final long timeoutNs) {
        final long deadline = System.nanoTime() + timeoutNs;
        set("barrier/" + name + "/" + rank, "1");
        if (add("barrier/" + name + "/count", 1) == size) {
            set("barrier/" + name + "/done", "1");
        }
        if (get("barrier/" + name + "/done", Math.max(1, deadline - System.nanoTime())) == null) {
            final List<Integer> missing = missing("barrier/" + name + "/", size);
            throw new RendezvousException("barrier '" + name + "' timed out after " + seconds(timeoutNs) + ": "
                + describeRanks(missing) + " never arrived");
        }
    }

    /** @return the ranks r in [0, size) for which {@code prefix + r} is not set. */
    public List<Integer> missing(final String prefix, final int size) {
        final List<Integer> missing = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            if (tryGet(prefix + r) == null) {
                missing.add(r);
            }
        }
        return missing;
    }

    /** @return "rank 3" or "ranks 2, 3". */
    public static String describeRanks(final List<Integer> ranks) {
        final StringJoiner j = new StringJoiner(", ", ranks.size() == 1 ? "rank " : "ranks ", "");
        for (final int r : ranks) {
            j.add(Integer.toString(r));
        }
        return j.toString();
    }

    static String seconds(final long ns) {
        final double s = ns / 1e9;
        return s == Math.rint(s) ? String.format(java.util.Locale.ROOT, "%d s", (long) s)
            : String.format(java.util.Locale.ROOT, "%.1f s", s);
    }

    static String hostPort(final InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }

    private String request(final int op, final String key, final String value, final long arg, final long waitMs) {
        final byte[] k = key.getBytes(StandardCharsets.UTF_8);
        final byte[] v = value.getBytes(StandardCharsets.UTF_8);
        if (k.length > StoreProtocol.MAX_KEY_BYTES || v.length > StoreProtocol.MAX_VALUE_BYTES) {
            throw new IllegalArgumentException("store key of " + k.length + " bytes or value of " + v.length
                + " bytes is too long; accepted: keys up to " + StoreProtocol.MAX_KEY_BYTES + ", values up to " + StoreProtocol.MAX_VALUE_BYTES);
        }
        try {
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, waitMs + 30_000));
            out.writeInt(1 + 2 + k.length + 4 + v.length + 8);
            out.writeByte(op);
            out.writeShort(k.length);
            out.write(k);
            out.writeInt(v.length);
            out.write(v);
            out.writeLong(arg);
            out.flush();
            final int length = in.readInt();
            final int status = in.readUnsignedByte();
            final int valueLength = in.readInt();
            if (length != 5 + valueLength || valueLength < 0 || valueLength > StoreProtocol.MAX_VALUE_BYTES) {
                throw new IOException("malformed response from the store");
            }
            final byte[] reply = new byte[valueLength];
            in.readFully(reply);
            final String text = new String(reply, StandardCharsets.UTF_8);
            switch (status) {
                case StoreProtocol.STATUS_OK:
                    return text;
                case StoreProtocol.STATUS_NOT_FOUND:
                    return null;
                default:
                    throw new RendezvousException("rendezvous store at " + hostPort(server) + " refused a request for '" + key + "': " + text);
            }
        } catch (final IOException e) {
            throw new RendezvousException("lost the rendezvous store at " + hostPort(server) + " (hosted by rank 0): " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (final IOException ignored) {
            // closing anyway
        }
    }
}
