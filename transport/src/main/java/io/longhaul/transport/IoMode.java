package io.longhaul.transport;

/** Which Netty transport carries the UDP sockets. */
public enum IoMode {
    /** epoll when the native library loads (Linux x86-64), NIO otherwise. */
    AUTO,
    /** Native epoll, with GSO, GRO, recvmmsg and sendmmsg; fails if unavailable. */
    EPOLL,
    /** Java NIO: portable, one datagram per system call. */
    NIO,
    /**
     * Native io_uring (Netty's io_uring transport): GSO sends and batched {@code recvmsg}, no GRO;
     * fails if the kernel refuses io_uring. Measured slower than epoll on loopback (see the README).
     */
    IO_URING
}
