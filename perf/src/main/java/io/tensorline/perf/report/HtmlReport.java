package io.tensorline.perf.report;

import io.tensorline.perf.measure.LevelResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The {@code --report FILE.html} page: self-contained, an inline SVG plot and the table, no scripts. */
public final class HtmlReport {

    private HtmlReport() {
    }

    /**
     * @param title    the page heading (model and server)
     * @param settings lines describing the run (flags, server, model)
     * @param notes    warnings: missing server statistics, unstable levels
     */
    public static String render(String title, List<String> settings, List<String> notes, List<Column> columns,
                                List<LevelResult> results) {
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
                .append(escape(title)).append("</title>\n<style>\n")
                .append("body{font-family:sans-serif;margin:2em;color:#222}\n")
                .append("table{border-collapse:collapse;font-size:13px}\n")
                .append("th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}\n")
                .append("th{background:#f0f0f0}\n")
                .append("tr.unstable td{background:#fff3e0}\n")
                .append(".note{color:#a15c00}\n")
                .append("</style>\n</head>\n<body>\n<h1>").append(escape(title)).append("</h1>\n<ul>\n");
        for (String s : settings) {
            sb.append("<li>").append(escape(s)).append("</li>\n");
        }
        sb.append("</ul>\n");
        for (String n : notes) {
            sb.append("<p class=\"note\">").append(escape(n)).append("</p>\n");
        }
        sb.append("<h2>Latency vs throughput</h2>\n");
        sb.append(LatencyPlot.svg(results));
        sb.append("<h2>Results</h2>\n<p>Times in microseconds.</p>\n<table>\n<tr>");
        for (Column c : columns) {
            sb.append("<th>").append(escape(c.name())).append("</th>");
        }
        sb.append("</tr>\n");
        for (LevelResult r : results) {
            sb.append(r.stable() ? "<tr>" : "<tr class=\"unstable\">");
            for (Column c : columns) {
                sb.append("<td>").append(escape(c.cell().apply(r))).append("</td>");
            }
            sb.append("</tr>\n");
        }
        sb.append("</table>\n</body>\n</html>\n");
        return sb.toString();
    }

    public static void write(Path file, String html) throws IOException {
        Files.writeString(file, html);
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
