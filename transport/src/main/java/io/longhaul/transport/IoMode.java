package io.longhaul.transport;

/** Which Netty transport carries the UDP sockets. */
public enum IoMode {
    /** epoll when the native library loads (Linux x86-64), NIO otherwise. */
    AUTO,
    /** Native epoll, with GSO, GRO, recvmmsg and sendmmsg; fails if unavailable. */
    EPOLL,
    /** Java NIO: portable, one datagram per system call. */
    NIO
}
