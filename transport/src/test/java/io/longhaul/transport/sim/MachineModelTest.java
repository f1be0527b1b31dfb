package io.longhaul.transport.sim;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MachineModelTest {
    private static double meanWakeLatencyNs(final MachineModel model, final int samples) {
        final MachineModel.State state = model.new State(0, 1);
        long now = 0;
        double total = 0;
        for (int i = 0; i < samples; i++) {
            now += 100_000_000L; // asleep again: far after the previous wake-up
            final long ready = state.readyAtNs(now, false);
            total += ready - now;
        }
        return total / samples;
    }

    @Test
    void shouldParseEveryKeyAndPrintItBack() {
        final MachineModel m = MachineModel.parse("wake=exp:300us,stall=2ms-10ms@1s,cost=1us,cold=500ms*8,seed=7");
        assertThat(m.wake()).isEqualTo(MachineModel.Wake.EXPONENTIAL);
        assertThat(m.wakeNs()).isEqualTo(300_000);
        assertThat(m.stallIntervalNs()).isEqualTo(1_000_000_000L);
        assertThat(m.packetCostNs()).isEqualTo(1_000);
        assertThat(m.coldNs()).isEqualTo(500_000_000L);
        assertThat(m.coldFactor()).isEqualTo(8.0);
        assertThat(m.seed()).isEqualTo(7);
        assertThat(MachineModel.parse(m.toString()).toString()).isEqualTo(m.toString());
        assertThat(MachineModel.parse("").isIdeal()).isTrue();
        assertThat(MachineModel.parse("wake=none").isIdeal()).isTrue();
        assertThat(MachineModel.parse("cold=1s*4").isIdeal()).as("a cold start without a cost costs nothing").isTrue();
    }

    @Test
    void shouldRejectBadTextNamingTheKeyAndTheAcceptedValues() {
        assertThatThrownBy(() -> MachineModel.parse("wake=gauss:1ms")).hasMessageContaining("wake").hasMessageContaining("const, exp, pareto");
        assertThatThrownBy(() -> MachineModel.parse("wake=exp")).hasMessageContaining("needs a latency");
        assertThatThrownBy(() -> MachineModel.parse("stall=2ms")).hasMessageContaining("needs an interval");
        assertThatThrownBy(() -> MachineModel.parse("stall=5ms-2ms@1s")).hasMessageContaining("stall duration");
        assertThatThrownBy(() -> MachineModel.parse("cold=1s*0.5")).hasMessageContaining("accepted: 1 to 1000");
        assertThatThrownBy(() -> MachineModel.parse("cold=1s")).hasMessageContaining("needs a factor");
        assertThatThrownBy(() -> MachineModel.parse("jitter=1ms")).hasMessageContaining("unknown key 'jitter'")
            .hasMessageContaining(MachineModel.KEYS);
        assertThatThrownBy(() -> MachineModel.parse("wake=exp:1m")).hasMessageContaining("out of range");
        assertThatThrownBy(() -> MachineModel.parse("seed=x")).hasMessageContaining("not an integer");
    }

    @Test
    void shouldWakeLateByTheModelledMean() {
        assertThat(meanWakeLatencyNs(MachineModel.parse("wake=const:250us"), 1_000)).isEqualTo(250_000.0);
        assertThat(meanWakeLatencyNs(MachineModel.parse("wake=exp:300us"), 200_000)).isBetween(294_000.0, 306_000.0);
        // The Pareto tail is capped at 10 ms, which trims its mean a little.
        assertThat(meanWakeLatencyNs(MachineModel.parse("wake=pareto:100us"), 200_000)).isBetween(85_000.0, 101_000.0);
    }

    @Test
    void shouldFreezeForTheModelledShareOfTime() {
        final MachineModel.State state = MachineModel.parse("stall=2ms-10ms@1s").new State(0, 3);
        long frozen = 0;
        final long step = 100_000;
        final long end = 1_000_000_000_000L;
        for (long now = 0; now < end; now += step) {
            final long ready = state.readyAtNs(now, true);
            if (ready > now) {
                frozen += Math.min(step, ready - now);
            }
        }
        // Mean stall 6 ms every 1 s (plus the stall itself): about 0.6% of the time.
        assertThat((double) frozen / end).isBetween(0.0055, 0.0065);
    }

    @Test
    void shouldChargeEachDatagramAndRunColdStartSlower() {
        final MachineModel.State state = MachineModel.parse("cost=2us,cold=1ms*5").new State(0, 1);
        assertThat(state.charge(0)).isEqualTo(10_000);
        assertThat(state.charge(0)).as("the CPU is busy with the first").isEqualTo(20_000);
        assertThat(state.charge(2_000_000)).as("warm after 1 ms").isEqualTo(2_002_000);
        assertThat(state.busyUntilNs()).isEqualTo(2_002_000);
    }
}
