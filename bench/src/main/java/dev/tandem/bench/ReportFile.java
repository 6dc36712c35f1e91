package dev.tandem.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code --json FILE} and {@code --keep}, shared by every scenario: where its {@link BenchReport} goes, checked before
 * anything runs.
 */
public final class ReportFile {
    /** Where {@code --keep} writes, under the checkout's top directory (docs/bench/README.md explains the names). */
    public static final Path KEPT_RUNS = Path.of("docs", "bench");

    @Option(names = "--json", paramLabel = "FILE", required = true, description = "Write the metrics here as JSON.")
    Path json;

    @Option(
            names = "--keep",
            description =
                    "Also keep the run: write the same JSON to docs/bench/<UTC date>-<scenario>-<short commit>.json of this checkout.")
    boolean keep;

    /** A usage error now rather than a lost report after minutes of measuring. */
    public void requireDirectory(CommandLine cl) {
        Path parent = json.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent))
            throw new CommandLine.ParameterException(cl, "directory not found: " + parent);
    }

    public void write(String scenario, RunInfo run, Map<String, ?> metrics, PrintWriter out) throws IOException {
        BenchReport report = new BenchReport(scenario, run, metrics);
        report.write(json);
        out.println("wrote " + json);
        if (keep) {
            // outside a git checkout, relative to the working directory
            Path dir = (run.checkout() != null ? run.checkout() : Path.of("")).resolve(KEPT_RUNS);
            out.println("kept " + report.keep(dir));
        }
        out.flush();
    }
}
