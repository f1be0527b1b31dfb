package io.longhaul.harness.report;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.IntervalMarker;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.text.DecimalFormat;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** JFreeChart charts for the report, rendered headless to base64 PNG (drawn at 2× for sharp text). */
final class Charts {
    static final int WIDTH = 900;
    static final int HEIGHT = 460;
    private static final Paint[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf), new Color(0x7f7f7f), new Color(0xbcbd22)};
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 15);
    private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Charts() {
    }

    /** Series name → (x, y) points, in insertion order. */
    static final class Series {
        final Map<String, XYSeries> byName = new LinkedHashMap<>();

        void add(final String name, final double x, final double y) {
            byName.computeIfAbsent(name, n -> new XYSeries(n, true, true)).addOrUpdate(x, y);
        }

        boolean isEmpty() {
            return byName.isEmpty();
        }

        XYSeriesCollection dataset() {
            final XYSeriesCollection c = new XYSeriesCollection();
            byName.values().forEach(c::addSeries);
            return c;
        }
    }

    /** Series name → (x, y, low, high) points: a line with a vertical interval at each point. */
    static final class IntervalSeries {
        final Map<String, YIntervalSeries> byName = new LinkedHashMap<>();

        void add(final String name, final double x, final double y, final double low, final double high) {
            byName.computeIfAbsent(name, n -> new YIntervalSeries(n, true, true)).add(x, y, low, high);
        }
    }

    /**
     * Lines through the points of {@code series} with each point's interval drawn as an error bar,
     * and the {@code markers} as in {@link #line}.
     */
    static String lineWithIntervals(final String title, final String xLabel, final String yLabel, final IntervalSeries series,
                                    final List<double[]> markers) {
        final YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        series.byName.values().forEach(data::addSeries);
        final JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL, true, false, false);
        final XYPlot plot = chart.getXYPlot();
        style(chart);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xdddddd));
        plot.setRangeGridlinePaint(new Color(0xdddddd));
        final XYErrorRenderer r = new XYErrorRenderer();
        r.setDrawXError(false);
        r.setDrawYError(true);
        r.setDefaultLinesVisible(true);
        r.setDefaultShapesVisible(true);
        r.setCapLength(6);
        for (int i = 0; i < series.byName.size(); i++) {
            r.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
            r.setSeriesStroke(i, new BasicStroke(2.2f));
        }
        plot.setRenderer(r);
        markers(plot, markers);
        return png(chart);
    }

    /** A styled XY line chart of {@code series} on a white plot with grey grid lines, points drawn when {@code shapes}. */
    private static JFreeChart xyLines(final String title, final String xLabel, final String yLabel, final Series series, final boolean shapes,
                                      final float width) {
        final JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, series.dataset(), PlotOrientation.VERTICAL, true, false,
            false);
        final XYPlot plot = chart.getXYPlot();
        style(chart);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xdddddd));
        plot.setRangeGridlinePaint(new Color(0xdddddd));
        final XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, shapes);
        for (int i = 0; i < series.byName.size(); i++) {
            r.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
            r.setSeriesStroke(i, new BasicStroke(width));
        }
        plot.setRenderer(r);
        return chart;
    }

    static String line(final String title, final String xLabel, final String yLabel, final Series series, final boolean logX,
                       final boolean sizeAxis, final List<double[]> markers) {
        final JFreeChart chart = xyLines(title, xLabel, yLabel, series, true, 2.2f);
        final XYPlot plot = chart.getXYPlot();
        if (logX) {
            final LogAxis axis = new LogAxis(xLabel);
            axis.setBase(sizeAxis ? 2 : 10);
            axis.setSmallestValue(sizeAxis ? 1 : 0.1);
            axis.setLabelFont(LABEL);
            if (sizeAxis) {
                axis.setTickUnit(new NumberTickUnit(1));
                axis.setNumberFormatOverride(new SizeFormat());
            } else {
                axis.setNumberFormatOverride(new DecimalFormat("#,##0.#"));
            }
            plot.setDomainAxis(axis);
        }
        markers(plot, markers);
        return png(chart);
    }

    /** Dashed target lines at each {@code markers[i][0]} (red when {@code [1] > 0}), the y axis from zero and up to the highest. */
    private static void markers(final XYPlot plot, final List<double[]> markers) {
        final NumberAxis y = (NumberAxis) plot.getRangeAxis();
        y.setAutoRangeIncludesZero(true);
        y.setLabelFont(LABEL);
        for (final double[] m : markers) {
            final ValueMarker marker = new ValueMarker(m[0], m.length > 1 && m[1] > 0 ? new Color(0xd62728) : new Color(0xff7f0e),
                new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[] {6f, 4f}, 0f));
            marker.setLabel(String.format(java.util.Locale.ROOT, "%.0f%% target", m[0] * 100));
            marker.setLabelFont(LABEL);
            marker.setLabelAnchor(RectangleAnchor.BOTTOM_LEFT);
            marker.setLabelTextAnchor(TextAnchor.TOP_LEFT);
            plot.addRangeMarker(marker);
            if (m[0] > y.getUpperBound()) {
                y.setUpperBound(m[0] * 1.05);
            }
        }
    }

    /**
     * A timeline: one line per series over time, with shaded {@code intervals} ({x0, x1, label
     * index}) such as a link's outage, labelled by {@code labels}.
     */
    static String timeline(final String title, final String xLabel, final String yLabel, final Series series, final List<double[]> intervals,
                           final List<String> labels) {
        final JFreeChart chart = xyLines(title, xLabel, yLabel, series, false, 2.0f);
        final XYPlot plot = chart.getXYPlot();
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(true);
        plot.getRangeAxis().setLabelFont(LABEL);
        plot.getDomainAxis().setLabelFont(LABEL);
        for (int i = 0; i < intervals.size(); i++) {
            final double[] iv = intervals.get(i);
            final IntervalMarker m = new IntervalMarker(iv[0], iv[1], new Color(0xd6, 0x27, 0x28, 40));
            m.setLabel(labels.get(i));
            m.setLabelFont(LABEL);
            m.setLabelAnchor(RectangleAnchor.TOP_LEFT);
            m.setLabelTextAnchor(TextAnchor.TOP_LEFT);
            plot.addDomainMarker(m, Layer.BACKGROUND);
        }
        return png(chart);
    }

    static String bars(final String title, final String categoryLabel, final String valueLabel, final DefaultCategoryDataset data) {
        final JFreeChart chart = ChartFactory.createBarChart(title, categoryLabel, valueLabel, data, PlotOrientation.VERTICAL, true, false, false);
        style(chart);
        final CategoryPlot plot = chart.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(new Color(0xdddddd));
        final BarRenderer r = (BarRenderer) plot.getRenderer();
        r.setBarPainter(new StandardBarPainter());
        r.setShadowVisible(false);
        for (int i = 0; i < data.getRowCount(); i++) {
            r.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
        }
        final CategoryAxis x = plot.getDomainAxis();
        x.setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        x.setMaximumCategoryLabelWidthRatio(2f);
        return png(chart);
    }

    private static void style(final JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.getTitle().setFont(TITLE);
        chart.setAntiAlias(true);
        chart.setTextAntiAlias(true);
        final LegendTitle legend = chart.getLegend();
        if (legend != null) {
            legend.setPosition(RectangleEdge.BOTTOM);
            legend.setItemFont(LABEL);
            legend.setFrame(org.jfree.chart.block.BlockBorder.NONE);
        }
    }

    private static String png(final JFreeChart chart) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ChartUtils.writeScaledChartAsPNG(out, chart, WIDTH, HEIGHT, 2, 2);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }

    /** Formats byte counts on a log-2 axis: 1K, 64K, 1M, 16M. */
    private static final class SizeFormat extends NumberFormat {
        private static final long serialVersionUID = 1L;

        @Override
        public StringBuffer format(final double number, final StringBuffer toAppendTo, final FieldPosition pos) {
            return toAppendTo.append(size(number));
        }

        @Override
        public StringBuffer format(final long number, final StringBuffer toAppendTo, final FieldPosition pos) {
            return toAppendTo.append(size(number));
        }

        @Override
        public Number parse(final String source, final ParsePosition parsePosition) {
            return null;
        }
    }

    static String size(final double bytes) {
        if (bytes >= 1 << 30) {
            return trim(bytes / (1 << 30)) + "G";
        }
        if (bytes >= 1 << 20) {
            return trim(bytes / (1 << 20)) + "M";
        }
        if (bytes >= 1 << 10) {
            return trim(bytes / (1 << 10)) + "K";
        }
        return trim(bytes);
    }

    private static String trim(final double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(java.util.Locale.ROOT, "%.1f", v);
    }
}
