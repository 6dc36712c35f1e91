package dev.tandem.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** {@code --json FILE}, shared by every scenario: where its {@link BenchReport} goes, checked before anything runs. */
public final class ReportFile {
    @Option(names = "--json", paramLabel = "FILE", required = true, description = "Write the metrics here as JSON.")
    Path json;

    /** A usage error now rather than a lost report after minutes of measuring. */
    public void requireDirectory(CommandLine cl) {
        Path parent = json.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) throw new CommandLine.ParameterException(cl, "directory not found: " + parent);
    }

    public void write(String scenario, Map<String, ?> metrics, PrintWriter out) throws IOException {
        new BenchReport(scenario, metrics).write(json);
        out.println("wrote " + json);
        out.flush();
    }
}
