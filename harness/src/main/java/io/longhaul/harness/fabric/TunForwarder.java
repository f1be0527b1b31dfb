package io.longhaul.harness.fabric;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.longhaul.transport.sim.EcmpFabric;
import io.longhaul.transport.sim.LinkModel;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Moves every packet between the fabric's TUN devices through a {@link PacketScheduler}: one
 * thread waits in {@code ppoll} on all devices with a timeout reaching the next delivery, reads
 * what arrived (non-blocking, in batches), and writes each packet to its destination's device when
 * its link model says it arrives. Every {@link #STATUS_PERIOD_NS} it writes its counters to a JSON
 * file, including what shows that the forwarder itself limits the fabric: its thread's CPU share,
 * how late packets leave it compared with their due time, and the packets it dropped for want of
 * buffers.
 */
public final class TunForwarder implements Runnable {
    /** How often the status file is rewritten. */
    public static final long STATUS_PERIOD_NS = TimeUnit.MILLISECONDS.toNanos(500);
    /** Packets read from one device before the others get their turn. */
    static final int READ_BATCH = 64;
    /** Packets due this soon are written now rather than after another wait. */
    private static final long DUE_SLACK_NS = TimeUnit.MICROSECONDS.toNanos(5);
    /** The most the loop wakes ahead of a delivery to make up for late wake-ups. */
    private static final long MAX_WAKE_ADVANCE_NS = TimeUnit.MICROSECONDS.toNanos(300);
    private static final long LATE_100US_NS = TimeUnit.MICROSECONDS.toNanos(100);
    private static final long LATE_1MS_NS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long LATE_10MS_NS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long MAX_WAIT_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long HIGHEST_LATENESS_NS = TimeUnit.SECONDS.toNanos(60);

    private final PacketScheduler scheduler;
    private final int[] fds;
    private final Path statusFile;
    private final Memory pollFds;
    private final Memory timespec;
    private final long slabAddress;
    private final Memory scratch = new Memory(PacketScheduler.SLOT_BYTES);
    private final long scratchAddress = Pointer.nativeValue(scratch);
    private final Histogram lateness = new Histogram(HIGHEST_LATENESS_NS, 2);
    private final Histogram latenessTotal = new Histogram(HIGHEST_LATENESS_NS, 2);
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private volatile boolean running = true;
    private volatile boolean finished;

    private long wakeLatenessNs;
    private long wakeAdvanceNs;
    private long lateOver100us;
    private long lateOver1ms;
    private long lateOver10ms;
    private long packetsOut;
    private long bytesOut;
    private long writeErrors;
    private long startNs;
    private long lastStatusNs;
    private long lastStatusCpuNs;
    private long lastStatusBytesOut;
    private String fatal;
    private int realTimePriority;
    private boolean realTime;

    /**
     * Runs the loop's thread with SCHED_FIFO at {@code priority} (1 to 99; 0 = the normal scheduler).
     * The network must not wait for the CPU that the endpoints it carries are using: at normal
     * priority, on a busy machine, packets leave the forwarder milliseconds late. The loop blocks
     * in ppoll whenever it has nothing due, and the kernel's real-time throttling bounds it anyway.
     */
    public TunForwarder realTimePriority(final int priority) {
        if (priority < 0 || priority > 99) {
            throw new IllegalArgumentException("--rt-priority: " + priority + " is out of range; accepted: 0 (normal scheduling) to 99");
        }
        this.realTimePriority = priority;
        return this;
    }

    private static boolean setRealTime(final int priority) {
        try (Memory param = new Memory(4)) {
            param.setInt(0, priority);
            if (LibC.sched_setscheduler(0, LibC.SCHED_FIFO, Pointer.nativeValue(param)) != 0) {
                System.err.println("longhaul fabric: cannot run the forwarder with SCHED_FIFO (" + LibC.strerror(LibC.errno())
                    + "); it runs at normal priority and may be late on a busy machine");
                return false;
            }
            return true;
        }
    }

    /**
     * @param scheduler the core, with its topology.
     * @param fds one non-blocking TUN descriptor per host, in host order (from {@link Tun#attach}).
     * @param statusFile where the counters are written, or null for none.
     */
    public TunForwarder(final PacketScheduler scheduler, final int[] fds, final Path statusFile) {
        if (fds.length != scheduler.topology().hosts()) {
            throw new IllegalArgumentException("fds: " + fds.length + " descriptors for " + scheduler.topology().hosts() + " hosts");
        }
        this.scheduler = scheduler;
        this.fds = fds.clone();
        this.statusFile = statusFile;
        this.pollFds = new Memory(8L * fds.length);
        this.timespec = new Memory(16);
        this.slabAddress = Pointer.nativeValue(Native.getDirectBufferPointer(scheduler.slab()));
        for (int i = 0; i < fds.length; i++) {
            pollFds.setInt(8L * i, fds[i]);
            pollFds.setShort(8L * i + 4, LibC.POLLIN);
            pollFds.setShort(8L * i + 6, (short) 0);
        }
    }

    /** Asks the loop to end; it does within about 100 ms. */
    public void stop() {
        running = false;
    }

    /** Whether the loop has ended. */
    public boolean finished() {
        return finished;
    }

    /** Why the loop ended on its own, or null. */
    public String fatal() {
        return fatal;
    }

    @Override
    public void run() {
        // The kernel's default 50 us timer slack would make every delivery that much late.
        LibC.prctl(LibC.PR_SET_TIMERSLACK, 1, 0, 0, 0);
        realTime = realTimePriority > 0 && setRealTime(realTimePriority);
        startNs = System.nanoTime();
        lastStatusNs = startNs;
        lastStatusCpuNs = threads.getCurrentThreadCpuTime();
        writeStatus(startNs, true);
        try {
            loop();
        } finally {
            writeStatus(System.nanoTime(), false);
            finished = true;
        }
    }

    private void loop() {
        final int n = fds.length;
        int first = 0;
        while (running) {
            long now = System.nanoTime();
            deliverDue(now, now + DUE_SLACK_NS);
            final long next = scheduler.nextDeadlineNs();
            long waitNs = Math.min(MAX_WAIT_NS, lastStatusNs + STATUS_PERIOD_NS - now);
            boolean forDelivery = false;
            if (next != Long.MAX_VALUE && next - now - wakeAdvanceNs < waitNs) {
                // Wake early by the wake-up lateness measured so far, so the packet leaves on time.
                waitNs = next - now - wakeAdvanceNs;
                forDelivery = true;
            }
            if (waitNs < 0) {
                waitNs = 0;
            }
            timespec.setLong(0, waitNs / 1_000_000_000L);
            timespec.setLong(8, waitNs % 1_000_000_000L);
            final int ready = LibC.ppoll(Pointer.nativeValue(pollFds), n, Pointer.nativeValue(timespec), 0);
            if (ready == 0 && forDelivery && waitNs > 0) {
                final long lateNs = System.nanoTime() - (now + waitNs);
                wakeLatenessNs += (Math.max(0, lateNs) - wakeLatenessNs) / 8;
                wakeAdvanceNs = Math.min(MAX_WAKE_ADVANCE_NS, wakeLatenessNs);
            }
            if (ready < 0) {
                final int e = LibC.errno();
                if (e != LibC.EINTR) {
                    fatal = "ppoll failed: " + LibC.strerror(e);
                    return;
                }
            } else if (ready > 0) {
                for (int k = 0; k < n; k++) {
                    final int i = (first + k) % n;
                    final short revents = pollFds.getShort(8L * i + 6);
                    if ((revents & (LibC.POLLERR | LibC.POLLHUP)) != 0) {
                        fatal = "device of host " + i + " (" + scheduler.topology().namespace(i) + ") failed: poll events 0x"
                            + Integer.toHexString(revents & 0xFFFF) + "; was its namespace deleted?";
                        return;
                    }
                    if ((revents & LibC.POLLIN) != 0) {
                        readBatch(i);
                    }
                }
                first = (first + 1) % n;
            }
            now = System.nanoTime();
            if (now - lastStatusNs >= STATUS_PERIOD_NS) {
                writeStatus(now, true);
            }
        }
    }

    private void readBatch(final int host) {
        final int fd = fds[host];
        for (int k = 0; k < READ_BATCH; k++) {
            final int slot = scheduler.acquire();
            if (slot < 0) {
                // Every buffer is in flight: drain the device into the scratch area so that the
                // drop is counted as the forwarder's own rather than left to the kernel's queue.
                final long got = LibC.read(fd, scratchAddress, PacketScheduler.SLOT_BYTES);
                if (got < 0) {
                    return;
                }
                scheduler.dropPoolFull((int) got);
                continue;
            }
            final long got = LibC.read(fd, slabAddress + PacketScheduler.offset(slot), PacketScheduler.SLOT_BYTES);
            if (got < 0) {
                scheduler.release(slot);
                return;
            }
            scheduler.submit(System.nanoTime(), host, slot, (int) got);
        }
    }

    private void deliverDue(final long nowNs, final long cutoffNs) {
        int slot;
        while ((slot = scheduler.pollDue(cutoffNs)) >= 0) {
            final int length = scheduler.length(slot);
            final long wrote = LibC.write(fds[scheduler.destination(slot)], slabAddress + PacketScheduler.offset(slot), length);
            if (wrote == length) {
                packetsOut++;
                bytesOut += length;
            } else {
                writeErrors++;
            }
            final long late = Math.min(HIGHEST_LATENESS_NS, Math.max(0, nowNs - scheduler.lastDueNs()));
            lateness.recordValue(late);
            if (late >= LATE_100US_NS) {
                lateOver100us++;
                if (late >= LATE_1MS_NS) {
                    lateOver1ms++;
                    if (late >= LATE_10MS_NS) {
                        lateOver10ms++;
                    }
                }
            }
            latenessTotal.recordValue(late);
            scheduler.release(slot);
        }
    }

    private void writeStatus(final long nowNs, final boolean alive) {
        final long cpuNs = threads.getCurrentThreadCpuTime();
        final long intervalNs = Math.max(1, nowNs - lastStatusNs);
        final Map<String, Object> s = new LinkedHashMap<>();
        s.put("alive", alive);
        s.put("pid", ProcessHandle.current().pid());
        s.put("uptimeSeconds", (nowNs - startNs) / 1e9);
        s.put("fatal", fatal);
        s.put("cpuSeconds", cpuNs / 1e9);
        s.put("wakeAdvanceUs", wakeAdvanceNs / 1e3);
        s.put("realTimePriority", realTime ? realTimePriority : 0);
        s.put("cpuPercentLastInterval", 100.0 * (cpuNs - lastStatusCpuNs) / intervalNs);
        s.put("throughputMbpsLastInterval", (bytesOut - lastStatusBytesOut) * 8e3 / intervalNs);
        s.put("packetsIn", scheduler.packetsIn());
        s.put("bytesIn", scheduler.bytesIn());
        s.put("packetsOut", packetsOut);
        s.put("bytesOut", bytesOut);
        s.put("droppedNotIpv4", scheduler.droppedNotIpv4());
        s.put("droppedNoRoute", scheduler.droppedNoRoute());
        s.put("droppedPoolFull", scheduler.droppedPoolFull());
        s.put("writeErrors", writeErrors);
        s.put("buffers", scheduler.slots());
        s.put("buffersInUse", scheduler.slotsInUse());
        s.put("buffersInUseMax", scheduler.scheduledMax());
        s.put("latenessUsLastInterval", latenessMap(lateness));
        // Cumulative, so that the difference of two snapshots describes the time between them.
        s.put("lateOver100us", lateOver100us);
        s.put("lateOver1ms", lateOver1ms);
        s.put("lateOver10ms", lateOver10ms);
        s.put("latenessUsTotal", latenessMap(latenessTotal));
        final FabricTopology t = scheduler.topology();
        final List<Map<String, Object>> links = new ArrayList<>();
        for (int src = 0; src < t.hosts(); src++) {
            for (int dst = 0; dst < t.hosts(); dst++) {
                final LinkModel link = src == dst ? null : scheduler.link(src, dst);
                if (link == null) {
                    continue;
                }
                final Map<String, Object> l = new LinkedHashMap<>();
                l.put("src", src);
                l.put("dst", dst);
                l.put("kind", t.isInter(src, dst) ? "inter" : "intra");
                l.put("offered", link.offered());
                l.put("delivered", link.delivered());
                l.put("lost", link.droppedByLoss());
                l.put("queueDrops", link.droppedByQueue());
                l.put("duplicated", link.duplicated());
                l.put("corrupted", link.corrupted());
                l.put("reordered", link.reordered());
                l.put("bytesOffered", scheduler.linkBytesOffered(src, dst));
                l.put("bytesDelivered", scheduler.linkBytesDelivered(src, dst));
                links.add(l);
            }
        }
        s.put("links", links);
        final List<Map<String, Object>> groups = new ArrayList<>();
        for (int a = 0; a < t.dcs(); a++) {
            for (int b = a + 1; b < t.dcs(); b++) {
                final EcmpFabric group = scheduler.group(a, b);
                if (group != null) {
                    final Map<String, Object> g = new LinkedHashMap<>();
                    g.put("dcs", List.of(a, b));
                    g.put("spec", group.spec().toString());
                    final EcmpFabric.Counters c = group.counters();
                    g.put("links", c.links());
                    g.put("nics", c.nics());
                    groups.add(g);
                }
            }
        }
        s.put("ecmp", groups);
        lateness.reset();
        lastStatusNs = nowNs;
        lastStatusCpuNs = cpuNs;
        lastStatusBytesOut = bytesOut;
        if (statusFile == null) {
            return;
        }
        try {
            final Path tmp = statusFile.resolveSibling(statusFile.getFileName() + ".tmp");
            json.writeValue(tmp.toFile(), s);
            Files.move(tmp, statusFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (final IOException e) {
            System.err.println("longhaul fabric: cannot write " + statusFile + ": " + e.getMessage());
        }
    }

    private static Map<String, Object> latenessMap(final Histogram h) {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", h.getTotalCount());
        m.put("p50", h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(50) / 1e3);
        m.put("p99", h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(99) / 1e3);
        m.put("max", h.getTotalCount() == 0 ? 0 : h.getMaxValue() / 1e3);
        return m;
    }
}
