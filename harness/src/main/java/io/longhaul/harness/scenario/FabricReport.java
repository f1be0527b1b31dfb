package io.longhaul.harness.scenario;

import java.util.List;
import java.util.Locale;

/**
 * What a run on an inter-DC ECMP group leaves to look at: the group, every link's counters per
 * direction, and (on the simulated backend) the bytes each link delivered over time.
 *
 * @param fabric   the group's spec (canonical text).
 * @param links    per link and direction, summed over every instance of the group the cluster had.
 * @param timeline bytes per link over time, or null when not sampled (real-time backends).
 */
public record FabricReport(String fabric, List<FabricLinkCounters> links, LinkTimeline timeline) {
    public FabricReport {
        links = List.copyOf(links);
    }

    /**
     * @return a table of the per-link counters, one line per link and direction, each line starting
     * with {@code prefix} (e.g. {@code "# "}), e.g. {@code # east->west link 1: 24.03 MB in 23321
     * datagrams; dropped: queue 0, loss 0, link down 367}.
     */
    public String table(final String prefix) {
        final StringBuilder sb = new StringBuilder();
        int width = "direction".length();
        for (final FabricLinkCounters l : links) {
            width = Math.max(width, l.from().length() + 2 + l.to().length());
        }
        final String row = "%-" + width + "s %4s %12s %11s %11s %11s %11s %11s%n";
        sb.append(prefix).append("ECMP group ").append(fabric).append(": per link and direction\n");
        sb.append(prefix).append(String.format(Locale.ROOT, row, "direction", "link", "MB", "offered", "delivered", "queue-drop", "loss-drop",
            "down-drop"));
        for (final FabricLinkCounters l : links) {
            sb.append(prefix).append(String.format(Locale.ROOT, row, l.from() + "->" + l.to(), l.link(), String.format(Locale.ROOT, "%.3f",
                l.deliveredBytes() / 1e6), l.offered(), l.delivered(), l.queueDrops(), l.lossDrops(), l.failureDrops()));
        }
        return sb.toString();
    }
}
