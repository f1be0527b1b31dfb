package io.longhaul.harness.scenario;

import io.longhaul.transport.Transport;
import io.longhaul.transport.sim.EcmpFabric;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The counters of one link of an inter-DC ECMP group in one direction, as a run's JSON and the
 * report show them (JSON names snake_case: {@code delivered_bytes}, {@code queue_drops}, ...).
 *
 * @param from           the DC the datagrams left.
 * @param to             the DC they went to ({@code *} when the counters mix several).
 * @param link           the link, 0 to K − 1.
 * @param offered        datagrams that reached the link (after the NIC).
 * @param delivered      datagrams it delivered.
 * @param deliveredBytes their bytes (whole datagrams, headers included).
 * @param queueDrops     datagrams its queue dropped.
 * @param lossDrops      datagrams its loss model dropped.
 * @param failureDrops   datagrams dropped while it was down.
 */
public record FabricLinkCounters(String from, String to, int link, long offered, long delivered, long deliveredBytes, long queueDrops,
                                 long lossDrops, long failureDrops) {

    /** @return datagrams dropped for any reason. */
    public long drops() {
        return queueDrops + lossDrops + failureDrops;
    }

    /** @return the sum of two counters of the same link and direction. */
    FabricLinkCounters plus(final FabricLinkCounters o) {
        return new FabricLinkCounters(from, to, link, offered + o.offered, delivered + o.delivered, deliveredBytes + o.deliveredBytes,
            queueDrops + o.queueDrops, lossDrops + o.lossDrops, failureDrops + o.failureDrops);
    }

    /** @return {@code c}'s counters labelled {@code from} to {@code to}. */
    public static FabricLinkCounters of(final EcmpFabric.LinkCounters c, final String from, final String to) {
        return new FabricLinkCounters(from, to, c.link(), c.offered(), c.delivered(), c.deliveredBytes(), c.queueDrops(), c.lossDrops(),
            c.failureDrops());
    }

    /** @return the counters of every link of {@code transport}'s egress fabric labelled {@code from} to {@code to}; empty without one. */
    public static List<FabricLinkCounters> of(final Transport transport, final String from, final String to) {
        final EcmpFabric.Counters c = transport.fabricCounters();
        return c == null ? List.of() : c.links().stream().map(l -> of(l, from, to)).toList();
    }

    /** @return {@code counters} with the rows of the same (from, to, link) added up, in order of first appearance. */
    public static List<FabricLinkCounters> merge(final List<FabricLinkCounters> counters) {
        final Map<String, FabricLinkCounters> out = new LinkedHashMap<>();
        for (final FabricLinkCounters c : counters) {
            out.merge(c.from + "\u0000" + c.to + "\u0000" + c.link, c, FabricLinkCounters::plus);
        }
        return new ArrayList<>(out.values());
    }
}
