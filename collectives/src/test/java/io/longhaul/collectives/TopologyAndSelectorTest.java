package io.longhaul.collectives;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TopologyAndSelectorTest {

    @Test
    void shouldParseUniformAndExplicitTopologies() {
        final Topology t = Topology.parse("2x3");
        assertThat(t.size()).isEqualTo(6);
        assertThat(t.dcCount()).isEqualTo(2);
        assertThat(t.ranksIn(1)).containsExactly(3, 4, 5);
        assertThat(t.toString()).isEqualTo("2x3");
        final Topology e = Topology.parse("0,1,0,1");
        assertThat(e.ranksIn(0)).containsExactly(0, 2);
        assertThat(e.isUniform()).isTrue();
        assertThat(Topology.parse("0,0,1").isUniform()).isFalse();
    }

    @Test
    void shouldRejectBadTopologiesNamingTheProblem() {
        assertThatThrownBy(() -> Topology.parse("0,2")).hasMessageContaining("DC 1 has no ranks");
        assertThatThrownBy(() -> Topology.parse("2y2")).hasMessageContaining("accepted");
        assertThatThrownBy(() -> Topology.parse("0x2")).hasMessageContaining(">= 1");
    }

    @Test
    void shouldSelectBySizeAndTopology() {
        final Topology flat = Topology.flat(8);
        assertThat(AlgorithmSelector.select(Collective.ALL_REDUCE, Algorithm.AUTO, 1024, flat)).isEqualTo(Algorithm.TREE);
        assertThat(AlgorithmSelector.select(Collective.ALL_REDUCE, Algorithm.AUTO, 512 * 1024, flat)).isEqualTo(Algorithm.RHD);
        assertThat(AlgorithmSelector.select(Collective.ALL_REDUCE, Algorithm.AUTO, 64 << 20, flat)).isEqualTo(Algorithm.RING);
        assertThat(AlgorithmSelector.select(Collective.ALL_REDUCE, Algorithm.AUTO, 1024, Topology.parse("2x4"))).isEqualTo(Algorithm.HIER);
        assertThat(AlgorithmSelector.select(Collective.ALL_REDUCE, Algorithm.AUTO, 1024, Topology.parse("2x1"))).isEqualTo(Algorithm.TREE);
        assertThat(AlgorithmSelector.select(Collective.ALL_REDUCE, Algorithm.RING, 1024, flat)).isEqualTo(Algorithm.RING);
        assertThat(AlgorithmSelector.select(Collective.REDUCE_SCATTER, Algorithm.TREE, 1024, flat)).isEqualTo(Algorithm.RING);
        assertThat(Algorithm.parse("RHD")).isEqualTo(Algorithm.RHD);
        assertThatThrownBy(() -> Algorithm.parse("butterfly")).hasMessageContaining("accepted: auto, ring, rhd, tree, hier");
    }

    @Test
    void shouldParseNcclTestsNames() {
        assertThat(DataType.parse("half")).isEqualTo(DataType.FP16);
        assertThat(DataType.parse("bfloat16").size()).isEqualTo(2);
        assertThat(DataType.FLOAT64.ncclName()).isEqualTo("double");
        assertThat(ReduceOp.parse("avg")).isEqualTo(ReduceOp.AVG);
        assertThatThrownBy(() -> DataType.parse("int8")).hasMessageContaining("accepted");
        assertThat(Collective.ALL_REDUCE.busBandwidthFactor(4)).isEqualTo(1.5);
        assertThat(Collective.ALL_GATHER.busBandwidthFactor(4)).isEqualTo(0.75);
        assertThat(Collective.BROADCAST.busBandwidthFactor(4)).isEqualTo(1.0);
    }
}
