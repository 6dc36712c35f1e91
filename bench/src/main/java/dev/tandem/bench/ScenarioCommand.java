package dev.tandem.bench;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What every scenario shares: where to run ({@code --bootstrap}, or a fresh broker of its own),
 * where to write the JSON, and the report format. A scenario implements {@link #measure}.
 */
public abstract class ScenarioCommand implements Callable<Integer> {
    public enum Broker { CHILD, IN_PROCESS }

    @Spec
    protected CommandLine.Model.CommandSpec spec;

    @Option(names = "--json", paramLabel = "FILE", required = true, description = "Write the metrics here as JSON.")
    Path json;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT",
            description = "Run against this Kafka instead of a fresh broker of the bench's own.")
    String bootstrap;

    @Option(names = "--registry", paramLabel = "URL",
            description = "Schema registry of --bootstrap's cluster (default: an in-JVM mock registry).")
    String registry;

    @Option(names = "--broker", paramLabel = "child|in_process", defaultValue = "child",
            description = "Without --bootstrap: run the fresh broker as a child JVM (default, like dev-cluster) or in this JVM.")
    Broker broker;

    @Option(names = "--partitions", defaultValue = "4", description = "Partitions of each bench topic (default: ${DEFAULT-VALUE}).")
    int partitions;

    protected abstract String scenario();

    /** Runs the measurement; the metrics go into the report in insertion order. */
    protected abstract Map<String, Number> measure(BenchEnvironment env, PrintWriter out) throws Exception;

    /** Checks scenario options before anything starts. */
    protected void validate() {}

    @Override
    public final Integer call() throws Exception {
        Path parent = json.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "directory not found: " + parent);
        }
        if (partitions < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--partitions must be >= 1");
        validate();
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Number> metrics;
        try (BenchEnvironment env = bootstrap != null
                ? BenchEnvironment.existing(bootstrap, registry, partitions)
                : BenchEnvironment.ownCluster(broker == Broker.CHILD, partitions)) {
            out.println("bench " + scenario() + " on " + env.describe());
            out.flush();
            metrics = measure(env, out);
        }
        new BenchReport(scenario(), metrics).write(json);
        out.println("wrote " + json);
        out.flush();
        return 0;
    }
}
