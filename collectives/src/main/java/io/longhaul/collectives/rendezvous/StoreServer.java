package io.longhaul.collectives.rendezvous;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The rendezvous key-value store rank 0 hosts: {@code set}, {@code get} that waits for the key to
 * appear (up to a timeout the client gives), and {@code add} on a counter (for barriers). Keys and
 * values are UTF-8 strings (keys up to {@value StoreProtocol#MAX_KEY_BYTES} bytes, values up to
 * 64 KiB, 16 MiB in all). Values live as long as the server; there is no delete, and a key once set
 * keeps its value: a second SET with another value is refused (two ranks claiming one rank's key).
 * At most {@value StoreProtocol#MAX_CONNECTIONS} connections at once. With a job key, a connection
 * must authenticate (see {@link StoreProtocol}) before anything else.
 *
 * <p>One Netty event loop (NIO) serves every client, so the map and the waiting gets need no lock.
 * A malformed request gets an error response and its connection is closed.
 */
public final class StoreServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(StoreServer.class.getName());

    private final EventLoopGroup group;
    private final Channel channel;
    private final InetSocketAddress address;
    /** Loop only. */
    private final Map<String, String> values = new HashMap<>();
    /** Loop only: gets waiting for their key. */
    private final Map<String, List<Waiter>> waiters = new HashMap<>();
    /** Null: every client is served (unauthenticated). */
    private final io.longhaul.transport.security.JobKey key;
    /** Loop only. */
    private long storedBytes;
    private int connections;
    private final java.security.SecureRandom random = new java.security.SecureRandom();

    private record Waiter(ChannelHandlerContext ctx, ScheduledFuture<?> timeout) {
    }

    private StoreServer(final InetSocketAddress bind, final io.longhaul.transport.security.JobKey key) {
        this.key = key;
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("longhaul-store", true), NioIoHandler.newFactory());
        try {
            channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(final SocketChannel ch) {
                        if (connections >= StoreProtocol.MAX_CONNECTIONS) {
                            LOG.log(System.Logger.Level.WARNING, "rendezvous store: refused " + ch.remoteAddress() + ": "
                                + StoreProtocol.MAX_CONNECTIONS + " connections already open");
                            ch.close();
                            return;
                        }
                        connections++;
                        ch.closeFuture().addListener(f -> connections--);
                        ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(StoreProtocol.MAX_FRAME_BYTES, 0, 4, 0, 4),
                            new LengthFieldPrepender(4), new Handler());
                    }
                })
                .bind(bind).sync().channel();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new RendezvousException("interrupted while binding the rendezvous store to " + bind, e);
        } catch (final RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new RendezvousException("cannot host the rendezvous store on " + bind + ": " + e.getMessage()
                + " (is MASTER_PORT in use by another job?)", e);
        }
        address = (InetSocketAddress) channel.localAddress();
        LOG.log(System.Logger.Level.DEBUG, "rendezvous store listening on " + address);
    }

    /**
     * Starts a store listening on {@code bind} (port 0: any free port).
     *
     * @throws RendezvousException if the address cannot be bound.
     */
    public static StoreServer start(final InetSocketAddress bind) {
        return new StoreServer(bind, null);
    }

    /**
     * Starts a store that serves only clients holding {@code key} (null: anyone).
     *
     * @throws RendezvousException if the address cannot be bound.
     */
    public static StoreServer start(final InetSocketAddress bind, final io.longhaul.transport.security.JobKey key) {
        return new StoreServer(bind, key);
    }

    /** @return the address the store listens on (with the actual port). */
    public InetSocketAddress address() {
        return address;
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private static void respond(final ChannelHandlerContext ctx, final int status, final String value) {
        final byte[] v = value == null ? new byte[0] : value.getBytes(StandardCharsets.UTF_8);
        final ByteBuf out = ctx.alloc().buffer(5 + v.length);
        out.writeByte(status).writeInt(v.length).writeBytes(v);
        ctx.writeAndFlush(out);
    }

    private final class Handler extends SimpleChannelInboundHandler<ByteBuf> {
        private boolean authenticated = key == null;
        private byte[] clientNonce;
        private byte[] serverNonce;

        @Override
        protected void channelRead0(final ChannelHandlerContext ctx, final ByteBuf in) {
            final int op;
            final String key;
            final String value;
            final long arg;
            try {
                op = in.readUnsignedByte();
                final int keyLength = in.readUnsignedShort();
                if (keyLength > StoreProtocol.MAX_KEY_BYTES) {
                    throw new IllegalArgumentException("key of " + keyLength + " bytes; accepted: up to " + StoreProtocol.MAX_KEY_BYTES);
                }
                key = in.readCharSequence(keyLength, StandardCharsets.UTF_8).toString();
                final int valueLength = in.readInt();
                if (valueLength < 0 || valueLength > StoreProtocol.MAX_VALUE_BYTES) {
                    throw new IllegalArgumentException("value of " + valueLength + " bytes; accepted: 0 to " + StoreProtocol.MAX_VALUE_BYTES);
                }
                value = in.readCharSequence(valueLength, StandardCharsets.UTF_8).toString();
                arg = in.readLong();
            } catch (final IndexOutOfBoundsException | IllegalArgumentException e) {
                respond(ctx, StoreProtocol.STATUS_ERROR, "malformed request: " + e.getMessage());
                ctx.close();
                return;
            }
            if (op == StoreProtocol.OP_AUTH || op == StoreProtocol.OP_PROVE) {
                authenticate(ctx, op, value);
                return;
            }
            if (!authenticated) {
                respond(ctx, StoreProtocol.STATUS_ERROR, "this rendezvous store serves only the job's ranks: give this rank the "
                    + "job key (--key-file FILE or LONGHAUL_KEY)");
                ctx.close();
                return;
            }
            switch (op) {
                case StoreProtocol.OP_SET:
                    final String refused = put(key, value);
                    respond(ctx, refused == null ? StoreProtocol.STATUS_OK : StoreProtocol.STATUS_ERROR, refused);
                    break;
                case StoreProtocol.OP_GET:
                    get(ctx, key, arg);
                    break;
                case StoreProtocol.OP_ADD:
                    add(ctx, key, arg);
                    break;
                default:
                    respond(ctx, StoreProtocol.STATUS_ERROR, "unknown operation " + op + "; accepted: 1 (set), 2 (get), 3 (add)");
                    ctx.close();
                    break;
            }
        }

        /** Mutual authentication: AUTH (client nonce) answered with (server nonce, proof), then PROVE (client proof). */
        private void authenticate(final ChannelHandlerContext ctx, final int op, final String value) {
            final java.util.HexFormat hex = java.util.HexFormat.of();
            try {
                if (key == null) {
                    respond(ctx, StoreProtocol.STATUS_ERROR, "this rendezvous store has no job key, but this rank has one: give rank 0 "
                        + "the same key");
                    ctx.close();
                } else if (op == StoreProtocol.OP_AUTH && clientNonce == null) {
                    clientNonce = hex.parseHex(value);
                    if (clientNonce.length != StoreProtocol.NONCE_BYTES) {
                        throw new IllegalArgumentException("a nonce is " + StoreProtocol.NONCE_BYTES + " bytes");
                    }
                    serverNonce = new byte[StoreProtocol.NONCE_BYTES];
                    random.nextBytes(serverNonce);
                    respond(ctx, StoreProtocol.STATUS_OK, hex.formatHex(serverNonce)
                        + hex.formatHex(StoreProtocol.proof(key, "server", clientNonce, serverNonce)));
                } else if (op == StoreProtocol.OP_PROVE && serverNonce != null && !authenticated) {
                    if (java.security.MessageDigest.isEqual(hex.parseHex(value), StoreProtocol.proof(key, "client", clientNonce, serverNonce))) {
                        authenticated = true;
                        respond(ctx, StoreProtocol.STATUS_OK, null);
                    } else {
                        LOG.log(System.Logger.Level.WARNING, "rendezvous store: " + ctx.channel().remoteAddress() + " does not hold the job key");
                        respond(ctx, StoreProtocol.STATUS_ERROR, "this rank does not hold the job's key");
                        ctx.close();
                    }
                } else {
                    throw new IllegalArgumentException("authentication out of order");
                }
            } catch (final IllegalArgumentException e) {
                respond(ctx, StoreProtocol.STATUS_ERROR, "malformed authentication: " + e.getMessage());
                ctx.close();
            }
        }

        /** @return null if stored, else why not. */
        private String put(final String key, final String value) {
            final String old = values.get(key);
            if (old != null && !old.equals(value)) {
                LOG.log(System.Logger.Level.WARNING, "rendezvous store: refused to overwrite '" + key + "'");
                return "'" + key + "' is already set to another value (two ranks with the same RANK?); a key is set once";
            }
            if (old == null) {
                final long bytes = 2L * (key.length() + value.length());
                if (storedBytes + bytes > StoreProtocol.MAX_STORED_BYTES) {
                    return "the store is full (" + (StoreProtocol.MAX_STORED_BYTES >> 20) + " MiB)";
                }
                storedBytes += bytes;
            }
            replace(key, value);
            return null;
        }

        private void replace(final String key, final String value) {
            values.put(key, value);
            final List<Waiter> waiting = waiters.remove(key);
            if (waiting != null) {
                for (final Waiter w : waiting) {
                    w.timeout().cancel(false);
                    respond(w.ctx(), StoreProtocol.STATUS_OK, value);
                }
            }
        }

        private void get(final ChannelHandlerContext ctx, final String key, final long waitMs) {
            final String v = values.get(key);
            if (v != null || waitMs <= 0) {
                respond(ctx, v == null ? StoreProtocol.STATUS_NOT_FOUND : StoreProtocol.STATUS_OK, v);
                return;
            }
            final List<Waiter> list = waiters.computeIfAbsent(key, k -> new ArrayList<>());
            final Waiter[] self = new Waiter[1];
            final ScheduledFuture<?> timeout = ctx.executor().schedule(() -> {
                final List<Waiter> l = waiters.get(key);
                if (l != null && l.remove(self[0])) {
                    if (l.isEmpty()) {
                        waiters.remove(key);
                    }
                    respond(ctx, StoreProtocol.STATUS_NOT_FOUND, null);
                }
            }, Math.min(waitMs, TimeUnit.HOURS.toMillis(24)), TimeUnit.MILLISECONDS);
            self[0] = new Waiter(ctx, timeout);
            list.add(self[0]);
        }

        private void add(final ChannelHandlerContext ctx, final String key, final long delta) {
            final String old = values.get(key);
            long current = 0;
            if (old != null) {
                try {
                    current = Long.parseLong(old);
                } catch (final NumberFormatException e) {
                    respond(ctx, StoreProtocol.STATUS_ERROR, "key '" + key + "' holds '" + old + "', not a counter");
                    return;
                }
            }
            final String next = Long.toString(current + delta);
            if (old == null) {
                storedBytes += 2L * (key.length() + next.length());
            }
            replace(key, next);
            respond(ctx, StoreProtocol.STATUS_OK, next);
        }

        @Override
        public void channelInactive(final ChannelHandlerContext ctx) {
            for (final List<Waiter> list : waiters.values()) {
                list.removeIf(w -> {
                    if (w.ctx() == ctx) {
                        w.timeout().cancel(false);
                        return true;
                    }
                    return false;
                });
            }
            waiters.values().removeIf(List::isEmpty);
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
            LOG.log(System.Logger.Level.DEBUG, "rendezvous store client " + ctx.channel().remoteAddress() + ": " + cause);
            ctx.close();
        }
    }
}
