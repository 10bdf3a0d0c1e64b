package io.tensorline.perf.report;

import io.tensorline.perf.measure.LevelResult;

import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/** An inline SVG of latency (p99 and average, usec) against throughput (infer/s), one point per load level. */
final class LatencyPlot {

    private static final int WIDTH = 760;
    private static final int HEIGHT = 420;
    private static final int LEFT = 80;
    private static final int RIGHT = 30;
    private static final int TOP = 30;
    private static final int BOTTOM = 60;

    private LatencyPlot() {
    }

    static String svg(List<LevelResult> results) {
        double maxX = results.stream().mapToDouble(r -> r.summary().inferPerSec()).max().orElse(1);
        double maxY = results.stream().mapToDouble(r -> r.summary().percentileNs(99) / 1000.0).max().orElse(1);
        double xStep = niceStep(maxX);
        double yStep = niceStep(maxY);
        double xMax = Math.max(xStep, Math.ceil(maxX * 1.05 / xStep) * xStep);
        double yMax = Math.max(yStep, Math.ceil(maxY * 1.1 / yStep) * yStep);
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fafafa\""
                + " stroke=\"#999\"/>%n", LEFT, TOP, plotW, plotH));
        for (double x = 0; x <= xMax + xStep / 2; x += xStep) {
            double px = LEFT + x / xMax * plotW;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e0e0e0\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                    px, TOP, px, TOP + plotH, px, TOP + plotH + 18, label(x)));
        }
        for (double y = 0; y <= yMax + yStep / 2; y += yStep) {
            double py = TOP + plotH - y / yMax * plotH;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e0e0e0\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
                    LEFT, py, LEFT + plotW, py, LEFT - 6, py + 4, label(y)));
        }
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">throughput (infer/s)</text>%n",
                LEFT + plotW / 2, HEIGHT - 15));
        sb.append(String.format(Locale.ROOT, "<text transform=\"translate(18 %d) rotate(-90)\" text-anchor=\"middle\">"
                + "latency (usec)</text>%n", TOP + plotH / 2));
        series(sb, results, r -> r.summary().percentileNs(99) / 1000.0, "#d62728", "p99", xMax, yMax, plotW, plotH);
        series(sb, results, r -> r.summary().avgLatencyNs() / 1000.0, "#1f77b4", "avg", xMax, yMax, plotW, plotH);
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"3\" fill=\"#d62728\"/>"
                + "<text x=\"%d\" y=\"%d\">p99 latency</text>%n", LEFT + 12, TOP + 12, LEFT + 30, TOP + 17));
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"3\" fill=\"#1f77b4\"/>"
                + "<text x=\"%d\" y=\"%d\">average latency</text>%n", LEFT + 12, TOP + 30, LEFT + 30, TOP + 35));
        if (results.stream().anyMatch(r -> !r.stable())) {
            sb.append(String.format(Locale.ROOT, "<circle cx=\"%d\" cy=\"%d\" r=\"5\" fill=\"none\" stroke=\"#555\"/>"
                    + "<text x=\"%d\" y=\"%d\">not stable</text>%n", LEFT + 18, TOP + 48, LEFT + 30, TOP + 53));
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    private static void series(StringBuilder sb, List<LevelResult> results, ToDoubleFunction<LevelResult> latency,
                               String color, String name, double xMax, double yMax, int plotW, int plotH) {
        StringBuilder points = new StringBuilder();
        StringBuilder dots = new StringBuilder();
        for (LevelResult r : results) {
            double px = LEFT + r.summary().inferPerSec() / xMax * plotW;
            double py = TOP + plotH - latency.applyAsDouble(r) / yMax * plotH;
            points.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
            dots.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%d\" fill=\"%s\"><title>%s %s:"
                    + " %s infer/s, %s %s usec%s</title></circle>%n", px, py, r.stable() ? 4 : 6,
                    r.stable() ? color : "none\" stroke=\"" + color, r.level().mode().label(), r.level().display(),
                    Numbers.sig6(r.summary().inferPerSec()), name, label(latency.applyAsDouble(r)),
                    r.stable() ? "" : " (not stable)"));
        }
        sb.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>%n",
                color, points.toString().trim()));
        sb.append(dots);
    }

    /** 1, 2 or 5 times a power of ten, about a fifth of {@code max}. */
    static double niceStep(double max) {
        if (!(max > 0)) {
            return 1;
        }
        double raw = max / 5;
        double pow = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / pow;
        return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * pow;
    }

    private static String label(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Numbers.sig6(v);
    }
}
