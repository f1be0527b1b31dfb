package io.longhaul.harness.fabric;

import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * The few Linux system calls the forwarder needs, through JNA's direct mapping (the cheapest
 * JNA call: no reflection, primitive arguments; pointers are passed as addresses in a long).
 * Errors come back as -1 with {@link Native#getLastError()} holding errno.
 */
final class LibC {
    static final int O_RDONLY = 0;
    static final int O_RDWR = 2;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;
    static final int CLONE_NEWNET = 0x40000000;
    static final long TUNSETIFF = 0x400454caL;
    static final short IFF_TUN = 0x0001;
    static final short IFF_NO_PI = 0x1000;
    static final short POLLIN = 0x001;
    static final short POLLERR = 0x008;
    static final short POLLHUP = 0x010;
    static final int PR_SET_TIMERSLACK = 29;
    static final int SCHED_FIFO = 1;
    static final int EAGAIN = 11;
    static final int EINTR = 4;

    static {
        Native.register(LibC.class, Platform.C_LIBRARY_NAME);
    }

    private LibC() {
    }

    static native int open(String path, int flags);

    static native int close(int fd);

    /** ioctl(fd, request, argp) with a pointer argument. */
    static native int ioctl(int fd, long request, long argp);

    static native int setns(int fd, int nstype);

    /** sched_setscheduler(pid, policy, param) with a struct sched_param pointer; pid 0 is the calling thread. */
    static native int sched_setscheduler(int pid, int policy, long param);

    /** prctl(option, arg2, arg3, arg4, arg5). */
    static native int prctl(int option, long arg2, long arg3, long arg4, long arg5);

    static native long read(int fd, long buf, long count);

    static native long write(int fd, long buf, long count);

    /** ppoll(fds, nfds, timeout, sigmask) with a struct timespec timeout; sigmask may be 0. */
    static native int ppoll(long fds, long nfds, long timeout, long sigmask);

    /** The calling thread's errno after the last call. */
    static int errno() {
        return Native.getLastError();
    }

    /** A readable description of errno {@code e}. */
    static String strerror(final int e) {
        switch (e) {
            case 1: return "EPERM (operation not permitted)";
            case 2: return "ENOENT (no such file or device)";
            case 13: return "EACCES (permission denied)";
            case 16: return "EBUSY (device busy: another process holds it)";
            case 19: return "ENODEV (no such device: is the tun module loaded?)";
            case 22: return "EINVAL (invalid argument)";
            default: return "errno " + e;
        }
    }
}
