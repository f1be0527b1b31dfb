package io.longhaul.harness.scenario;

import io.longhaul.transport.sim.FabricSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * Bytes each link of an inter-DC ECMP group delivered, per interval of the run's clock, and the
 * group's scheduled events: what the report draws as goodput per link around a failure. Intervals
 * start at time 0 of the fabric (where its events count from); a datagram counts in the interval
 * in which it arrives. Whole datagrams, headers and repairs included.
 *
 * @param binMs  the interval, in milliseconds.
 * @param series one per link and direction.
 * @param events the group's failures and degradations.
 */
public record LinkTimeline(double binMs, List<Series> series, List<Event> events) {

    public LinkTimeline {
        series = List.copyOf(series);
        events = List.copyOf(events);
    }

    /**
     * One link in one direction.
     *
     * @param from           the DC the datagrams left.
     * @param to             the DC they went to.
     * @param link           the link, 0 to K − 1.
     * @param deliveredBytes bytes delivered in each interval, the first from time 0.
     */
    public record Series(String from, String to, int link, List<Long> deliveredBytes) {
        public Series {
            deliveredBytes = List.copyOf(deliveredBytes);
        }

        /** @return the sum over all intervals. */
        public long totalBytes() {
            return deliveredBytes.stream().mapToLong(Long::longValue).sum();
        }
    }

    /**
     * A scheduled event of the group.
     *
     * @param kind       {@code fail} or {@code degrade}.
     * @param link       the link.
     * @param atMs       when it starts, from time 0 of the fabric.
     * @param durationMs how long it lasts; null for good.
     * @param spec       its text form, e.g. {@code fail=1@2s+1s}.
     */
    public record Event(String kind, int link, double atMs, Double durationMs, String spec) {
    }

    /** @return the events of {@code spec} (none for null). */
    public static List<Event> eventsOf(final FabricSpec spec) {
        final List<Event> out = new ArrayList<>();
        if (spec != null) {
            for (final FabricSpec.Event e : spec.events()) {
                out.add(new Event(e.kind() == FabricSpec.EventKind.FAIL ? "fail" : "degrade", e.link(), e.atNs() / 1e6,
                    e.forever() ? null : e.durationNs() / 1e6, e.toString()));
            }
        }
        return out;
    }
}
