package io.longhaul.harness.scenario;

import java.util.List;

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
}
