package dev.tandem.platform.cli;

import dev.tandem.bench.cli.DurationConverter;
import dev.tandem.connect.redis.RedisRecommendationStore;
import dev.tandem.platform.demo.DemoContext;
import dev.tandem.platform.demo.DemoRunner;
import dev.tandem.platform.demo.DemoSettings;
import dev.tandem.platform.demo.DemoStages;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem demo}: everything embedded, nothing left behind. Its own cluster on free ports
 * in a temp dir (a running dev cluster is not touched), synthetic events flowing through it, and
 * a consumer showing them; everything is stopped and deleted at the end or on Ctrl-C.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Starts a throwaway Kafka broker (child JVM) and schema registry on free ports, generates synthetic events into",
            "'events', runs the features app, trains a small model, scores requests with the Flink job, sinks the predictions",
            "through Kafka Connect into a serving store (an SQLite file, or Redis with --store) and asks the recommendations",
            "API for a few users. Stops and deletes everything at the end or on Ctrl-C."
        })
public final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    static final class Amount {
        @Option(names = "--events", paramLabel = "N", description = "Generate N events (default: 20000).")
        Long events;

        @Option(
                names = "--duration",
                paramLabel = "D",
                converter = DurationConverter.class,
                description = "Generate for this long instead (e.g. 30s, 2m), at --rate.")
        Duration duration;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Amount amount;

    @Option(
            names = "--rate",
            paramLabel = "EVENTS_PER_SEC",
            description = "Events per second (default: as fast as possible with --events, 2000 with --duration).")
    Double rate;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--users", defaultValue = "500", description = "Users (default: ${DEFAULT-VALUE}).")
    int users;

    @Option(names = "--items", defaultValue = "2000", description = "Items (default: ${DEFAULT-VALUE}).")
    int items;

    @Option(
            names = "--models",
            paramLabel = "DIR",
            description = "Where the demo keeps the model it trains, and reuses it from (default: .tandem/models).")
    Path models;

    @Option(
            names = "--store",
            paramLabel = "URL",
            description = "Serve from Redis at redis://HOST:PORT (keys under a prefix of this run, deleted at the end)"
                    + " instead of an SQLite file in a temp dir.")
    String store;

    @Option(
            names = "--secure",
            description =
                    "Run the cluster with TLS, SASL/SCRAM-SHA-512 and ACLs, each part of the pipeline under its own"
                            + " principal (as `tandem dev-cluster --secure`).")
    boolean secure;

    @Override
    public Integer call() throws Exception {
        long events = amount != null && amount.events != null ? amount.events : 20_000;
        Duration duration = amount != null ? amount.duration : null;
        double r = rate != null ? rate : duration != null ? 2_000 : 0;
        CommandLine cl = spec.commandLine();
        if (events < 1) throw new CommandLine.ParameterException(cl, "--events must be >= 1, got " + events);
        if (r < 0 || Double.isNaN(r)) throw new CommandLine.ParameterException(cl, "--rate must be >= 0, got " + r);
        if (users < 1 || items < 1) throw new CommandLine.ParameterException(cl, "--users and --items must be >= 1");
        if (store != null) checkRedis(cl, store);
        PrintWriter out = cl.getOut();
        DemoContext ctx = new DemoContext(new DemoSettings(events, duration, r, seed, users, items, 4, secure), out);

        Thread main = Thread.currentThread();
        Signals signals = Signals.install(main);
        DemoRunner runner =
                new DemoRunner(DemoStages.standard(models != null ? models : DemoStages.DEFAULT_MODELS_DIR, store));
        // Safety net for exits that bypass the signal handlers (SIGHUP): stop the stages and give the
        // main thread time to close them, so the broker JVM does not outlive us.
        Thread hook = new Thread(
                () -> {
                    ctx.stop();
                    main.interrupt();
                    try {
                        main.join(30_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "tandem-demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        boolean completed;
        try {
            completed = runner.run(ctx);
        } finally {
            DevClusterCommand.removeHook(hook);
            Thread.interrupted(); // a late Ctrl-C must not leak into the caller
        }
        if (!completed || signals.stopped()) {
            out.println("demo stopped" + (signals.received() != null ? " (" + signals.received() + ")" : "")
                    + "; cluster shut down and removed");
        } else {
            out.println("demo finished; cluster shut down and removed");
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** A wrong or unreachable Redis fails now, in one line, not minutes later after training. */
    private static void checkRedis(CommandLine cl, String url) {
        if (!url.startsWith("redis://") && !url.startsWith("rediss://")) {
            throw new CommandLine.ParameterException(cl, "--store wants redis://HOST:PORT, got '" + url + "'");
        }
        boolean ready;
        try (RedisRecommendationStore s = RedisRecommendationStore.of(url, "tandem-demo:", Duration.ofSeconds(3))) {
            ready = s.ready();
        } catch (RuntimeException e) {
            throw new CommandLine.ParameterException(cl, "--store " + url + ": " + e.getMessage());
        }
        if (!ready) throw new CliException("Redis at " + url + " does not answer");
    }
}
