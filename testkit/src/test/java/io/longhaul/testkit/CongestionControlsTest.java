package io.longhaul.testkit;

import io.longhaul.transport.cc.CongestionControl;
import io.longhaul.transport.cc.CongestionControlConfig;
import io.longhaul.transport.cc.CongestionControls;
import io.longhaul.transport.cc.DelayCongestionControl;
import io.longhaul.transport.cc.LossSample;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CongestionControlsTest {
    private static final CongestionControlConfig BASE = CongestionControlConfig.defaults(1200);

    @Test
    void shouldListTheBuiltInsSortedByName() {
        assertThat(CongestionControls.available()).containsExactly("bbr", "cubic", "delay", "fixed", "newreno");
    }

    @Test
    void shouldCreateEachBuiltInByItsName() {
        for (final String name : CongestionControls.available()) {
            final CongestionControl cc = CongestionControls.create(name, BASE);
            assertThat(cc.name()).isEqualTo(name);
            assertThat(cc.congestionWindowBytes()).isGreaterThanOrEqualTo(BASE.minimumWindowBytes());
        }
    }

    @Test
    void shouldIgnoreCaseAndSurroundingSpacesInNames() {
        assertThat(CongestionControls.create(" CUBIC ", BASE).name()).isEqualTo("cubic");
        assertThat(CongestionControls.create("Fixed: rate = 10mbit ", BASE).pacingRateBytesPerSecond()).isEqualTo(1_250_000L);
    }

    @Test
    void shouldPassSpecParametersToTheController() {
        final CongestionControl fixedRate = CongestionControls.create("fixed:rate=900mbit", BASE);
        assertThat(fixedRate.pacingRateBytesPerSecond()).isEqualTo(112_500_000L);
        assertThat(fixedRate.congestionWindowBytes()).isEqualTo(2 * 112_500L);

        final CongestionControl fixedWindow = CongestionControls.create("fixed:window=64K", BASE);
        assertThat(fixedWindow.congestionWindowBytes()).isEqualTo(65_536L);
        assertThat(fixedWindow.pacingRateBytesPerSecond()).isEqualTo(CongestionControl.UNPACED);

        final CongestionControl both = CongestionControls.create("fixed:rate=8mbit,window=1M", BASE);
        assertThat(both.congestionWindowBytes()).isEqualTo(1L << 20);
        assertThat(both.pacingRateBytesPerSecond()).isEqualTo(1_000_000L);

        final DelayCongestionControl delay = (DelayCongestionControl) CongestionControls.create("delay:target=2ms,ai=2", BASE);
        assertThat(delay.targetNs()).isEqualTo(2_000_000L);
    }

    @Test
    void shouldDefaultFixedToOneGigabitPerSecond() {
        assertThat(CongestionControls.create("fixed", BASE).pacingRateBytesPerSecond()).isEqualTo(125_000_000L);
    }

    @Test
    void shouldLetSpecParametersOverrideThoseOfTheBaseConfig() {
        final CongestionControlConfig base = BASE.withParameters(Map.of("rate", "1mbit"));
        assertThat(CongestionControls.create("fixed", base).pacingRateBytesPerSecond()).isEqualTo(125_000L);
        assertThat(CongestionControls.create("fixed:rate=16mbit", base).pacingRateBytesPerSecond()).isEqualTo(2_000_000L);
    }

    @Test
    void shouldNameTheAvailableAlgorithmsWhenTheNameIsUnknown() {
        assertThatThrownBy(() -> CongestionControls.create("xyz", BASE))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("unknown congestion control 'xyz'; available: bbr, cubic, delay, fixed, newreno");
    }

    @Test
    void shouldNameTheAcceptedParametersWhenOneIsUnknown() {
        assertThatThrownBy(() -> CongestionControls.create("fixed:speed=1gbit", BASE))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("fixed: unknown parameter speed; accepted: rate, window");
        assertThatThrownBy(() -> CongestionControls.create("cubic:beta=0.5", BASE))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("cubic: unknown parameter beta; accepted: none");
        assertThatThrownBy(() -> CongestionControls.create("delay:x=1,y=2", BASE))
            .hasMessage("delay: unknown parameters x, y; accepted: target, ai, beta, max_mdf");
    }

    @Test
    void shouldNameParameterAndRangeWhenAValueIsBad() {
        assertThatThrownBy(() -> CongestionControls.create("fixed:rate=fast", BASE))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("fixed parameter rate").hasMessageContaining("gbit");
        assertThatThrownBy(() -> CongestionControls.create("fixed:rate=10bit", BASE))
            .hasMessageContaining("fixed parameter rate: '10bit' is out of range; accepted: 1.0 kbit/s to 10000.00 Gbit/s");
        assertThatThrownBy(() -> CongestionControls.create("fixed:window=100", BASE))
            .hasMessageContaining("fixed parameter window: '100' is out of range; accepted: 2400 B to");
        assertThatThrownBy(() -> CongestionControls.create("delay:target=5", BASE))
            .hasMessageContaining("delay parameter target").hasMessageContaining("no unit");
        assertThatThrownBy(() -> CongestionControls.create("delay:max_mdf=1.5", BASE))
            .hasMessageContaining("delay parameter max_mdf: '1.5' is out of range; accepted: 0.0 to 0.99");
    }

    @Test
    void shouldRejectMalformedSpecs() {
        assertThatThrownBy(() -> CongestionControls.create("", BASE)).hasMessageContaining("empty");
        assertThatThrownBy(() -> CongestionControls.create(":rate=1gbit", BASE)).hasMessageContaining("no name");
        assertThatThrownBy(() -> CongestionControls.create("fixed:rate", BASE)).hasMessageContaining("'rate' is not key=value");
        assertThatThrownBy(() -> CongestionControls.create("fixed:rate=1gbit,", BASE)).hasMessageContaining("is not key=value");
        assertThatThrownBy(() -> CongestionControls.create("fixed:rate=1gbit,rate=2gbit", BASE)).hasMessageContaining("'rate' given twice");
    }

    @Test
    void shouldValidateSpecsWithoutAPath() {
        assertThatCode(() -> CongestionControls.validate("delay:target=2ms")).doesNotThrowAnyException();
        assertThatThrownBy(() -> CongestionControls.validate("bbr:gain=3")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CongestionControls.validate("reno")).hasMessageContaining("available: bbr");
    }

    @Test
    void shouldDescribeEveryAlgorithmOnItsOwnLine() {
        final String help = CongestionControls.describe();
        assertThat(help.lines()).hasSize(CongestionControls.available().size());
        assertThat(help).contains("  bbr ").contains("  fixed ").contains("RFC 9438");
    }

    @Test
    void shouldIgnoreLossInTheFixedController() {
        final CongestionControl cc = CongestionControls.create("fixed:rate=100mbit", BASE);
        final long window = cc.congestionWindowBytes();
        cc.onLoss(1, new LossSample().set(1_000_000, 1000, 0, 0, 1_000_000, true));
        assertThat(cc.congestionWindowBytes()).isEqualTo(window);
        assertThat(cc.pacingRateBytesPerSecond()).isEqualTo(12_500_000L);
    }
}
