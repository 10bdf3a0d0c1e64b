package io.tensorline.perf;

import io.tensorline.perf.cli.PerfFlags;
import io.tensorline.perf.cli.PerfOptions;
import io.tensorline.perf.cli.UsageException;
import io.tensorline.perf.measure.LevelResult;
import io.tensorline.perf.report.ConsoleReport;
import io.tensorline.perf.report.CsvReport;
import io.tensorline.perf.report.HtmlReport;
import io.tensorline.perf.report.ResultColumns;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** {@code tensorline perf}: parse the flags, run the sweep, write the table, the CSV and the report. */
public final class PerfMain {

    /** Exit status for a bad command line. */
    public static final int USAGE = 2;
    /** Exit status for a failed run (server unreachable, model unknown, requests failing). */
    public static final int FAILED = 1;

    private PerfMain() {
    }

    public static void main(String[] args) {
        // the server launcher passes the subcommand through; accept it here too
        String[] rest = args.length > 0 && args[0].equals("perf") ? java.util.Arrays.copyOfRange(args, 1, args.length) : args;
        System.exit(run(rest, System.out, System.err));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (PerfFlags.wantsHelp(args)) {
            out.print(PerfFlags.help());
            return 0;
        }
        PerfOptions options;
        try {
            options = PerfFlags.parse(args);
        } catch (UsageException e) {
            err.println("tensorline perf: " + e.getMessage());
            return USAGE;
        }
        ConsoleReport console = new ConsoleReport(out, options.percentile(), options.maxTrials());
        PerfRun run = new PerfRun(options, console);
        int status = 0;
        try {
            run.run();
        } catch (PerfException e) {
            err.println("tensorline perf: " + e.getMessage());
            status = FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("tensorline perf: interrupted");
            status = FAILED;
        }
        List<LevelResult> results = run.results();
        if (results.isEmpty()) {
            return status;
        }
        ResultColumns columns = new ResultColumns(options.mode(), run.serverStats(), options.percentile());
        console.table(columns.full(), results);
        run.notes().forEach(n -> console.line("NOTE: " + n));
        try {
            if (options.csvFile().isPresent()) {
                Path csv = options.csvFile().get();
                CsvReport.write(csv, columns.csv(), results);
                console.line("CSV written to " + csv);
            }
            if (options.reportFile().isPresent()) {
                Path html = options.reportFile().get();
                HtmlReport.write(html, HtmlReport.render(run.title(), run.settings(), run.notes(), columns.full(), results));
                console.line("Report written to " + html);
            }
        } catch (IOException e) {
            err.println("tensorline perf: cannot write output: " + e.getMessage());
            return FAILED;
        }
        return status;
    }
}
