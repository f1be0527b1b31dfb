package io.longhaul.collectives.bench;

import io.longhaul.collectives.Algorithm;
import io.longhaul.collectives.Collective;
import io.longhaul.collectives.Communicator;
import io.longhaul.collectives.CommunicatorConfig;
import io.longhaul.collectives.DataType;
import io.longhaul.collectives.ReduceOp;
import io.longhaul.collectives.Topology;
import io.longhaul.collectives.fabric.LocalCluster;
import io.longhaul.collectives.fabric.SimCluster;
import io.longhaul.transport.core.CoreConfig;
import io.longhaul.transport.sim.LinkSpec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NcclTestsReportTest {

    @Test
    void shouldPrintRowsInNcclTestsColumns() {
        final NcclTestsReport.Row row = new NcclTestsReport.Row(8, 2, "float", "sum", -1,
            new NcclTestsReport.Result(18.49, 0.0, 0.0, 0), new NcclTestsReport.Result(18.07, 0.0, 0.0, 0));
        assertThat(NcclTestsReport.row(row))
            .isEqualTo("           8             2     float     sum      -1    18.49    0.00    0.00      0    18.07    0.00    0.00      0\n");
        final NcclTestsReport.Row big = new NcclTestsReport.Row(134217728, 33554432, "float", "sum", -1,
            NcclTestsReport.Result.of(134217728, 12345.6, 1.5, 0), NcclTestsReport.Result.of(134217728, 456.78, 1.5, -1));
        assertThat(NcclTestsReport.row(big)).isEqualTo(
            "   134217728      33554432     float     sum      -1    12346   10.87   16.31      0    456.8  293.83  440.75    N/A\n");
        assertThat(NcclTestsReport.header()).contains(
            "#       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong\n",
            "#        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)       \n");
        final String footer = NcclTestsReport.footer(List.of(big));
        assertThat(footer).startsWith("# Out of bounds values : 0 OK\n# Avg bus bandwidth    : 228.5").endsWith(" \n#\n");
    }

    @Test
    void shouldFormatLikeCPercentG() {
        assertThat(NcclTestsReport.formatG(0)).isEqualTo("0");
        assertThat(NcclTestsReport.formatG(12.5)).isEqualTo("12.5");
        assertThat(NcclTestsReport.formatG(0.000123456789)).isEqualTo("0.000123457");
        assertThat(NcclTestsReport.formatG(1234567)).isEqualTo("1.23457e+06");
        assertThat(NcclTestsReport.formatG(0.00001)).isEqualTo("1e-05");
    }

    @Test
    void shouldSweepSizesLikeNcclTests() {
        final BenchOptions o = BenchOptions.defaults(Collective.ALL_REDUCE).withSizes(8, 1024, 2);
        assertThat(o.sizes(4)).containsExactly(8L, 16L, 32L, 64L, 128L, 256L, 512L, 1024L);
        final BenchOptions ag = BenchOptions.defaults(Collective.ALL_GATHER).withSizes(100, 100, 2);
        assertThat(ag.sizes(3)).containsExactly(96L);
        final BenchOptions linear = new BenchOptions(Collective.ALL_REDUCE, 1000, 3000, 1, 1000, 1, 0, true, DataType.INT32,
            ReduceOp.SUM, 0, Algorithm.AUTO);
        assertThat(linear.sizes(2)).containsExactly(1000L, 2000L, 3000L);
        assertThat(BenchOptions.parseSize("32M")).isEqualTo(32L << 20);
        assertThatThrownBy(() -> BenchOptions.parseSize("3X")).hasMessageContaining("K, M or G");
        assertThatThrownBy(() -> BenchOptions.defaults(Collective.ALL_REDUCE).withSizes(10, 5, 2)).hasMessageContaining("-b 10 -e 5");
    }

    @Test
    void shouldBenchmarkEveryCollectiveOnLocalFabricWithNoWrongElements() {
        final int n = 3;
        try (LocalCluster cluster = new LocalCluster(n)) {
            final List<Communicator> comms = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                comms.add(new Communicator(cluster.fabric(r), Topology.flat(n), new CommunicatorConfig()));
            }
            for (final Collective c : new Collective[] {Collective.ALL_REDUCE, Collective.REDUCE_SCATTER, Collective.ALL_GATHER,
                Collective.BROADCAST}) {
                final BenchOptions o = BenchOptions.defaults(c).withSizes(8, 64 * 1024, 8).withIterations(2, 1)
                    .withType(DataType.BF16, ReduceOp.AVG);
                final List<NcclTestsReport.Row> rows = CollectiveBenchmark.run(CollectiveBenchmark.threaded(comms), o);
                assertThat(rows).hasSize(5);
                assertThat(NcclTestsReport.totalWrong(rows)).as("%s", c).isZero();
                final String table = NcclTestsReport.table(rows);
                assertThat(table).contains(c.reduces() ? "bfloat16     avg" : "bfloat16    none").contains("# Out of bounds values : 0 OK");
                assertThat(NcclTestsReport.json(c, n, rows)).startsWith("{\"collective\":\"" + c.ncclName() + "\"").contains("\"wrong\":0");
            }
        }
    }

    @Test
    void shouldBenchmarkOnTheSimulatedNetworkInVirtualTime() {
        final long seed = 21;
        final LinkSpec link = LinkSpec.parse("delay=1ms,rate=1gbit");
        try (SimCluster cluster = new SimCluster(Topology.flat(4), link, link, seed,
            new CoreConfig().maxPayloadBytes(8192))) {
            final List<Communicator> comms = new ArrayList<>();
            for (int r = 0; r < 4; r++) {
                comms.add(new Communicator(cluster.fabric(r), cluster.topology(), new CommunicatorConfig().algorithm(Algorithm.RING)));
            }
            final BenchOptions o = BenchOptions.defaults(Collective.ALL_REDUCE).withSizes(1 << 20, 1 << 20, 2).withIterations(2, 1);
            final List<NcclTestsReport.Row> rows = CollectiveBenchmark.run(
                CollectiveBenchmark.simulated(cluster, comms, TimeUnit.SECONDS.toNanos(30)), o);
            assertThat(NcclTestsReport.totalWrong(rows)).as("seed %d", seed).isZero();
            // 1 MiB all-reduce on a 1 Gbit/s, 1 ms ring: 6 one-way delays plus 1.5 MiB on the wire (~12.6 ms) at least.
            assertThat(rows.get(0).outOfPlace().timeUs()).as("seed %d", seed).isGreaterThan(12_000);
            assertThat(rows.get(0).outOfPlace().busBwGBps()).isLessThan(0.125);
        }
    }
}
