package io.longhaul.collectives.bench;

import io.longhaul.collectives.Collective;

import java.util.List;
import java.util.Locale;

/**
 * Formats benchmark rows exactly as nccl-tests' {@code *_perf} tools print them (same header,
 * columns, number formats and footer), so existing parsers and habits apply, and as JSON.
 *
 * <p>algbw = bytes / time; busbw = algbw × {@link Collective#busBandwidthFactor}: all-reduce
 * 2(n-1)/n, reduce-scatter and all-gather (n-1)/n, broadcast 1. GB/s are 10^9 bytes per second.
 */
public final class NcclTestsReport {
    /**
     * One measurement: average time per operation and its bandwidths; in bounded mode also what
     * arrived and the error of the checked operation.
     *
     * @param wrong            elements wrong ({@code < 0}: not checked, printed as N/A). In bounded
     *                         mode: elements that differ from the exact result although the
     *                         operation did not report them as affected (silent errors; 0 is right).
     * @param receivedFraction bounded mode: bytes received / bytes expected, mean over ranks and
     *                         timed operations; NaN in reliable mode.
     * @param relativeL2       bounded mode with checking: ‖result − exact‖₂ / ‖exact‖₂ over all
     *                         ranks' outputs of the checked operation; else NaN.
     * @param maxAbsError      bounded mode with checking: max |result − exact|; else NaN.
     * @param affected         bounded mode with checking: output elements reported as affected, summed over ranks; else -1.
     */
    public record Result(double timeUs, double algBwGBps, double busBwGBps, long wrong, double receivedFraction,
                         double relativeL2, double maxAbsError, long affected) {
        /** A reliable-mode result. */
        public Result(final double timeUs, final double algBwGBps, final double busBwGBps, final long wrong) {
            this(timeUs, algBwGBps, busBwGBps, wrong, Double.NaN, Double.NaN, Double.NaN, -1);
        }

        /** {@code wrong < 0}: not checked (printed as N/A). */
        public static Result of(final long bytes, final double timeUs, final double busFactor, final long wrong) {
            final double alg = timeUs <= 0 ? 0 : bytes / 1.0e9 / (timeUs / 1.0e6);
            return new Result(timeUs, alg, alg * busFactor, wrong);
        }

        /** A bounded-mode result. */
        public static Result bounded(final long bytes, final double timeUs, final double busFactor, final long wrong,
                                     final double receivedFraction, final double relativeL2, final double maxAbsError,
                                     final long affected) {
            final double alg = timeUs <= 0 ? 0 : bytes / 1.0e9 / (timeUs / 1.0e6);
            return new Result(timeUs, alg, alg * busFactor, wrong, receivedFraction, relativeL2, maxAbsError, affected);
        }

        /** @return whether this is a bounded-mode result. */
        public boolean isBounded() {
            return !Double.isNaN(receivedFraction);
        }
    }

    /** One line of the table: a size, out-of-place then in-place. */
    public record Row(long bytes, long count, String type, String redop, int root, Result outOfPlace, Result inPlace) {
    }

    private NcclTestsReport() {
    }

    public static String header() {
        return "#\n"
            + "#                                                              out-of-place                       in-place          \n"
            + "#       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong\n"
            + "#        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)       \n";
    }

    public static String row(final Row r) {
        return String.format(Locale.ROOT, "%12d  %12d  %8s  %6s  %6d", r.bytes(), r.count(), r.type(), r.redop(), r.root())
            + result(r.outOfPlace()) + result(r.inPlace()) + "\n";
    }

    /**
     * The header of bounded mode: nccl-tests' columns, then per placement {@code recv%} (bytes
     * received of bytes expected) and {@code rel_err} (relative L2 error of the checked operation);
     * {@code #wrong} counts elements wrong but not reported as affected.
     */
    public static String boundedHeader() {
        return "#\n"
            + "#                                                              out-of-place                                        in-place                          \n"
            + "#       size         count      type   redop    root     time   algbw   busbw #wrong   recv%  rel_err     time   algbw   busbw #wrong   recv%  rel_err\n"
            + "#        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (%)              (us)  (GB/s)  (GB/s)            (%)         \n";
    }

    /** @return a bounded-mode line (see {@link #boundedHeader()}). */
    public static String boundedRow(final Row r) {
        return String.format(Locale.ROOT, "%12d  %12d  %8s  %6s  %6d", r.bytes(), r.count(), r.type(), r.redop(), r.root())
            + result(r.outOfPlace()) + boundedExtra(r.outOfPlace()) + result(r.inPlace()) + boundedExtra(r.inPlace()) + "\n";
    }

    private static String boundedExtra(final Result x) {
        final String recv = Double.isNaN(x.receivedFraction()) ? "    N/A" : String.format(Locale.ROOT, "%7.3f", 100 * x.receivedFraction());
        final String err = Double.isNaN(x.relativeL2()) ? "     N/A" : String.format(Locale.ROOT, "%8.2e", x.relativeL2());
        return " " + recv + " " + err;
    }

    private static String result(final Result x) {
        final String time;
        if (x.timeUs() >= 10000.0) {
            time = String.format(Locale.ROOT, "%7.0f", x.timeUs());
        } else if (x.timeUs() >= 100.0) {
            time = String.format(Locale.ROOT, "%7.1f", x.timeUs());
        } else {
            time = String.format(Locale.ROOT, "%7.2f", x.timeUs());
        }
        final String wrong = x.wrong() < 0 ? "  N/A" : String.format(Locale.ROOT, "%5s", formatG((double) x.wrong()));
        return String.format(Locale.ROOT, "  %7s  %6.2f  %6.2f  %s", time, x.algBwGBps(), x.busBwGBps(), wrong);
    }

    /** @return the average bus bandwidth over every out-of-place and in-place result, as nccl-tests computes it. */
    public static double averageBusBandwidth(final List<Row> rows) {
        double sum = 0;
        int n = 0;
        for (final Row r : rows) {
            sum += r.outOfPlace().busBwGBps() + r.inPlace().busBwGBps();
            n += 2;
        }
        return n == 0 ? 0 : sum / n;
    }

    /** @return elements found wrong over all rows (unchecked results count as 0). */
    public static long totalWrong(final List<Row> rows) {
        long w = 0;
        for (final Row r : rows) {
            w += Math.max(0, r.outOfPlace().wrong()) + Math.max(0, r.inPlace().wrong());
        }
        return w;
    }

    public static String footer(final List<Row> rows) {
        return "# Out of bounds values : 0 OK\n"
            + "# Avg bus bandwidth    : " + formatG(averageBusBandwidth(rows)) + " \n"
            + "#\n";
    }

    /** @return the whole table: header, one line per row, footer. */
    public static String table(final List<Row> rows) {
        final StringBuilder sb = new StringBuilder(header());
        for (final Row r : rows) {
            sb.append(row(r));
        }
        return sb.append(footer(rows)).toString();
    }

    /** @return the rows as a JSON document. */
    public static String json(final Collective collective, final int ranks, final List<Row> rows) {
        final StringBuilder sb = new StringBuilder();
        sb.append("{\"collective\":\"").append(collective.ncclName()).append("\",\"ranks\":").append(ranks)
            .append(",\"busBandwidthFactor\":").append(num(collective.busBandwidthFactor(ranks))).append(",\"rows\":[");
        for (int i = 0; i < rows.size(); i++) {
            final Row r = rows.get(i);
            sb.append(i == 0 ? "" : ",").append("{\"size\":").append(r.bytes()).append(",\"count\":").append(r.count())
                .append(",\"type\":\"").append(r.type()).append("\",\"redop\":\"").append(r.redop()).append("\",\"root\":").append(r.root())
                .append(",\"outOfPlace\":").append(json(r.outOfPlace())).append(",\"inPlace\":").append(json(r.inPlace())).append('}');
        }
        return sb.append("],\"outOfBounds\":0,\"wrong\":").append(totalWrong(rows)).append(",\"avgBusBandwidth\":")
            .append(num(averageBusBandwidth(rows))).append('}').toString();
    }

    private static String json(final Result x) {
        final String base = "{\"timeUs\":" + num(x.timeUs()) + ",\"algBw\":" + num(x.algBwGBps()) + ",\"busBw\":" + num(x.busBwGBps())
            + ",\"wrong\":" + (x.wrong() < 0 ? "null" : Long.toString(x.wrong()));
        if (!x.isBounded()) {
            return base + "}";
        }
        return base + ",\"receivedFraction\":" + num(x.receivedFraction()) + ",\"relativeL2Error\":" + num(x.relativeL2())
            + ",\"maxAbsError\":" + num(x.maxAbsError()) + ",\"affectedElements\":" + (x.affected() < 0 ? "null" : Long.toString(x.affected()))
            + "}";
    }

    private static String num(final double v) {
        return Double.isFinite(v) ? Double.toString(v) : "null";
    }

    /** C's {@code %g}: 6 significant digits, trailing zeros removed, exponent form below 1e-4 or from 1e6. */
    public static String formatG(final double v) {
        if (v == 0) {
            return "0";
        }
        if (!Double.isFinite(v)) {
            return Double.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
        }
        final String e = String.format(Locale.ROOT, "%.5e", v);
        final int exp = Integer.parseInt(e.substring(e.indexOf('e') + 1));
        if (exp < -4 || exp >= 6) {
            String mant = stripZeros(e.substring(0, e.indexOf('e')));
            final int ae = Math.abs(exp);
            return mant + "e" + (exp < 0 ? "-" : "+") + (ae < 10 ? "0" : "") + ae;
        }
        return stripZeros(String.format(Locale.ROOT, "%." + Math.max(0, 5 - exp) + "f", v));
    }

    private static String stripZeros(final String s) {
        if (s.indexOf('.') < 0) {
            return s;
        }
        String t = s.replaceAll("0+$", "");
        if (t.endsWith(".")) {
            t = t.substring(0, t.length() - 1);
        }
        return t;
    }
}
