package dev.tandem.platform.cli;

import dev.tandem.bench.cli.DurationConverter;
import dev.tandem.platform.chaos.ChaosReport;
import dev.tandem.platform.chaos.ChaosRun;
import dev.tandem.platform.chaos.ChaosSettings;
import dev.tandem.platform.chaos.ChaosSettings.Component;
import dev.tandem.platform.demo.DemoStages;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tandem chaos}: the whole local pipeline as processes, killed one at a time, then counted exactly. */
@Command(
        name = "chaos",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the local pipeline as separate processes (broker, features app, scoring app, Connect worker with the"
                    + " SQLite sink, monitoring app) under a steady generated load, kills one with SIGKILL every few"
                    + " seconds (seeded), restarts it, and at the end reconciles every event, request, prediction,"
                    + " stored recommendation, outcome and dead letter.",
            "Exits 0 only if nothing was lost, duplicated, stale or mismatched and every process recovered within 30 s."
        })
public final class ChaosCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--rounds", defaultValue = "10", description = "Kills (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(
            names = "--seed",
            defaultValue = "1",
            description = "Seeds the data, victims and moments (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--users", defaultValue = "300", description = "Generated users (default: ${DEFAULT-VALUE}).")
    int users;

    @Option(names = "--items", defaultValue = "500", description = "Generated items (default: ${DEFAULT-VALUE}).")
    int items;

    @Option(names = "--events-per-sec", defaultValue = "200", description = "Event rate (default: ${DEFAULT-VALUE}).")
    int eventsPerSecond;

    @Option(
            names = "--requests-per-sec",
            defaultValue = "20",
            description = "Scoring-request rate (default: ${DEFAULT-VALUE}).")
    int requestsPerSecond;

    @Option(
            names = "--min-gap",
            defaultValue = "5s",
            converter = DurationConverter.class,
            description = "Shortest time from one recovery to the next kill (default: ${DEFAULT-VALUE}).")
    Duration minGap;

    @Option(
            names = "--max-gap",
            defaultValue = "15s",
            converter = DurationConverter.class,
            description = "Longest (default: ${DEFAULT-VALUE}).")
    Duration maxGap;

    @Option(
            names = "--kill",
            split = ",",
            paramLabel = "PROCESS",
            description =
                    "Processes that may be killed: broker, features, scoring, connect, monitoring (default: all).")
    List<String> victims;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = "Broker log, state, checkpoints, the store and every process's log; emptied first, so it"
                    + " must be new, empty or an earlier run's (default: .tandem/chaos).")
    Path dataDir = Path.of(".tandem", "chaos");

    @Option(
            names = "--models",
            paramLabel = "DIR",
            description = "Where the scoring model is trained once and reused (default: .tandem/models, the demo's).")
    Path models = DemoStages.DEFAULT_MODELS_DIR;

    @Option(
            names = "--secure",
            description = "TLS, SCRAM-SHA-512 and ACLs on the broker; every process under its own least-privilege"
                    + " principal.")
    boolean secure;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the figures as JSON.")
    Path json;

    @Override
    public Integer call() throws Exception {
        List<Component> kill;
        ChaosSettings settings;
        try {
            kill = victims == null
                    ? List.of(Component.values())
                    : victims.stream().map(ChaosCommand::component).toList();
            settings = new ChaosSettings(
                    rounds,
                    seed,
                    users,
                    items,
                    eventsPerSecond,
                    requestsPerSecond,
                    minGap,
                    maxGap,
                    kill,
                    100,
                    50,
                    dataDir,
                    models,
                    secure);
            ChaosRun.checkDataDir(dataDir.toAbsolutePath().normalize());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        ChaosReport report = new ChaosRun(settings, line -> {
                    out.println(line);
                    out.flush();
                })
                .run();
        for (Map.Entry<String, Object> e : report.figures().entrySet()) out.println(e.getKey() + ": " + e.getValue());
        report.examples().forEach(x -> out.println("  e.g. " + x));
        if (json != null) {
            report.writeJson(json);
            out.println("wrote " + json);
        }
        out.flush();
        if (!report.passed()) throw new CliException("chaos run failed: " + String.join("; ", report.failures()));
        out.println("chaos run passed");
        return ExitCodes.OK;
    }

    private static Component component(String name) {
        try {
            return Component.valueOf(name.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "--kill: unknown process '" + name + "' (broker, features, scoring, connect, monitoring)");
        }
    }
}
