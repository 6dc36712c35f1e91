package dev.tandem.bench;

import java.io.IOException;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * Where a scenario that talks to Kafka runs, the same options for each: an existing cluster ({@code --bootstrap},
 * {@code --registry}) or a fresh broker of the bench's own ({@code --broker}), and the partitions of every bench topic.
 */
final class BenchKafkaOptions {
    enum Broker {
        CHILD,
        IN_PROCESS
    }

    @Option(
            names = "--bootstrap",
            paramLabel = "HOST:PORT",
            description = "Run against this Kafka instead of a fresh broker of the bench's own.")
    String bootstrap;

    @Option(
            names = "--registry",
            paramLabel = "URL",
            description = "Schema registry of --bootstrap's cluster (default: an in-JVM mock registry).")
    String registry;

    @Option(
            names = "--broker",
            paramLabel = "child|in_process",
            defaultValue = "child",
            description =
                    "Without --bootstrap: run the fresh broker as a child JVM (default, like dev-cluster) or in this JVM.")
    Broker broker;

    @Option(
            names = "--partitions",
            defaultValue = "4",
            description = "Partitions of each bench topic (default: ${DEFAULT-VALUE}).")
    int partitions;

    void validate(CommandLine cl) {
        if (partitions < 1) throw new CommandLine.ParameterException(cl, "--partitions must be >= 1");
    }

    /** The cluster to measure on; the caller closes it. */
    BenchEnvironment open() throws IOException {
        return bootstrap != null
                ? BenchEnvironment.existing(bootstrap, registry, partitions)
                : BenchEnvironment.ownCluster(broker == Broker.CHILD, partitions);
    }
}
