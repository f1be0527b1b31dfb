package io.longhaul.harness.fabric;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** Opens TUN devices that live inside network namespaces. */
public final class Tun {
    /** The TUN clone device. */
    public static final Path CLONE_DEVICE = Path.of("/dev/net/tun");
    /** Where {@code ip netns} keeps its named namespaces. */
    public static final Path NETNS_DIR = Path.of("/run/netns");

    private Tun() {
    }

    /**
     * Attaches to the persistent TUN device {@code device} inside the named network namespace and
     * returns a non-blocking file descriptor for it (IFF_TUN | IFF_NO_PI: each read or write is one
     * bare IP packet). The namespace is entered by a short-lived thread of its own (setns changes
     * only the calling thread), so the caller's threads never leave their namespace; the descriptor
     * stays bound to the device in that namespace.
     *
     * @throws IOException with the system's reason when the namespace, the clone device or the
     *     device is missing or the caller lacks the rights.
     */
    public static int attach(final String namespace, final String device) throws IOException {
        final Path nsPath = NETNS_DIR.resolve(namespace);
        if (!Files.exists(nsPath)) {
            throw new IOException("no network namespace " + namespace + " (" + nsPath + " is missing)");
        }
        final AtomicInteger result = new AtomicInteger(-1);
        final AtomicReference<String> error = new AtomicReference<>();
        final Thread t = new Thread(() -> {
            final int nsFd = LibC.open(nsPath.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC);
            if (nsFd < 0) {
                error.set("cannot open " + nsPath + ": " + LibC.strerror(LibC.errno()));
                return;
            }
            try {
                if (LibC.setns(nsFd, LibC.CLONE_NEWNET) != 0) {
                    error.set("cannot enter namespace " + namespace + ": " + LibC.strerror(LibC.errno()) + " (root is needed)");
                    return;
                }
            } finally {
                LibC.close(nsFd);
            }
            final int fd = LibC.open(CLONE_DEVICE.toString(), LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
            if (fd < 0) {
                error.set("cannot open " + CLONE_DEVICE + ": " + LibC.strerror(LibC.errno()));
                return;
            }
            try (Memory ifr = new Memory(40)) {
                ifr.clear();
                final byte[] name = device.getBytes(StandardCharsets.US_ASCII);
                ifr.write(0, name, 0, Math.min(name.length, 15));
                ifr.setShort(16, (short) (LibC.IFF_TUN | LibC.IFF_NO_PI));
                if (LibC.ioctl(fd, LibC.TUNSETIFF, Pointer.nativeValue(ifr)) != 0) {
                    final int e = LibC.errno();
                    LibC.close(fd);
                    error.set("cannot attach to " + device + " in " + namespace + ": " + LibC.strerror(e));
                    return;
                }
            }
            result.set(fd);
        }, "lh-tun-attach-" + namespace);
        t.start();
        try {
            t.join();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while attaching to " + device + " in " + namespace, e);
        }
        if (error.get() != null) {
            throw new IOException(error.get());
        }
        return result.get();
    }

    /**
     * Why the TUN clone device cannot be used, or null if it can: missing node, no rights, or no
     * driver behind it.
     */
    public static String unavailableReason() {
        if (!Files.exists(CLONE_DEVICE)) {
            return CLONE_DEVICE + " is missing: load the tun module (modprobe tun) or create the node "
                + "(mkdir -p /dev/net && mknod /dev/net/tun c 10 200)";
        }
        final int fd = LibC.open(CLONE_DEVICE.toString(), LibC.O_RDWR | LibC.O_CLOEXEC);
        if (fd < 0) {
            return "cannot open " + CLONE_DEVICE + ": " + LibC.strerror(LibC.errno());
        }
        LibC.close(fd);
        return null;
    }

    /** Closes a descriptor returned by {@link #attach}. */
    public static void close(final int fd) {
        if (fd >= 0) {
            LibC.close(fd);
        }
    }
}
