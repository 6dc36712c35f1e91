package dev.tandem.platform.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tandem.bench.cli.DurationConverter;
import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.zoo.ModelConfig;
import dev.tandem.monitoring.MonitoringApp;
import dev.tandem.monitoring.MonitoringConfig;
import dev.tandem.platform.monitor.MonitorFigures;
import dev.tandem.platform.monitor.MonitorReplay;
import dev.tandem.platform.monitor.OnlineGrading;
import dev.tandem.schemas.kafka.KafkaEndpoints;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.Reachability;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem monitor}: the monitoring app ({@link MonitoringApp}) until Ctrl-C; or, with {@code --data}, the whole
 * online path over a log on a cluster of its own ({@link MonitorReplay}), reporting per stage what the monitoring app
 * measured on the exposures {@code tandem evaluate} grades, in the shape of its JSON.
 */
@Command(
        name = "monitor",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the monitoring app: predictions joined with what users did next (Kafka Streams, exactly_once_v2) into",
            "prediction-outcomes, per-stage AUC, log loss and calibration per model version to model-metrics and /metrics,",
            "until Ctrl-C. Settings: defaults < --config FILE < TANDEM_* variables < options given here.",
            "With --data FILE --model DIR: replays the log through events -> features app -> score on exposure ->",
            "monitoring app on an embedded cluster and reports the figures of tandem evaluate's validation split."
        })
public final class MonitorCommand implements Callable<Integer> {
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "A properties file of monitoring settings (keys as in monitoring/README.md).")
    Path configFile;

    @Option(
            names = "--http-port",
            paramLabel = "PORT",
            description = "Port of /metrics, /health and /ready (default: 8092; 0 = any free port).")
    Integer httpPort;

    @Option(
            names = "--state-dir",
            paramLabel = "DIR",
            description = "State stores and checkpoints (default: .tandem/monitoring-state).")
    Path stateDir;

    @Option(
            names = "--application-id",
            paramLabel = "ID",
            description = "Kafka Streams application id (default: tandem-monitoring).")
    String applicationId;

    @Option(
            names = "--horizon",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "How long after a prediction a cart or purchase counts (live default 24h; with --data: the"
                    + " horizon the model was trained with, from its card, as tandem evaluate).")
    Duration horizon;

    @Option(
            names = "--data",
            paramLabel = "FILE|kafka:TOPIC",
            description = "Replay this log instead of running live: a Taobao or REES46 CSV, generated JSON lines, or"
                    + " kafka:TOPIC (as tandem evaluate).")
    String data;

    @Option(names = "--format", paramLabel = "taobao|rees46|events", description = "Format of a --data file.")
    ModelData.Format format;

    @Option(
            names = "--model",
            paramLabel = "DIR",
            description = "With --data: the exported model that scores each exposure.")
    Path model;

    @Option(names = "--strict", description = "With --data: fail at the first malformed line (as tandem evaluate).")
    boolean strict;

    @Option(
            names = "--json",
            paramLabel = "FILE",
            description = "With --data: also write the figures as JSON ({\"stages\": {STAGE: {\"auc\", …}}}).")
    Path json;

    @Option(
            names = "--partitions",
            paramLabel = "N",
            defaultValue = "2",
            description = "With --data: partitions of the replay's topics (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(
            names = "--window",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            defaultValue = "1h",
            description = "With --data: the monitoring app's tumbling windows (default: ${DEFAULT-VALUE}).")
    Duration window;

    @Override
    public Integer call() throws Exception {
        return data == null ? live() : replay();
    }

    // ------------------------------------------------------------------ live

    private int live() throws InterruptedException {
        CommandLine cl = spec.commandLine();
        for (String replayOnly : List.of("--format", "--model", "--strict", "--json", "--partitions", "--window")) {
            if (given(replayOnly))
                throw new CommandLine.ParameterException(cl, replayOnly + " applies with --data (a replay) only");
        }
        MonitoringConfig config = config(cl);
        PrintWriter out = cl.getOut();
        // the app's own security settings: a plain probe of a TLS or SASL listener would fail before the app started
        KafkaEndpoints endpoints = new KafkaEndpoints(
                config.bootstrapServers(),
                config.schemaRegistryUrl(),
                KafkaOptions.appClientSettings(config.streamsOverrides(), config.registryConfigs()));
        Reachability.require(endpoints, KafkaOptions.REACHABILITY_TIMEOUT);
        requireTopics(config, endpoints);

        out.print(config.describe());
        out.flush();
        Signals signals = Signals.install(null);
        MonitoringApp app;
        try {
            app = new MonitoringApp(config).start();
        } catch (RuntimeException e) {
            throw new CliException("the monitoring app did not start: " + e.getMessage(), ExitCodes.FAILURE, e);
        }
        Thread safetyNet = new Thread(() -> app.close(STOP_TIMEOUT, true), "tandem-monitor-shutdown");
        Runtime.getRuntime().addShutdownHook(safetyNet);
        String failed = null;
        try {
            out.println("monitoring metrics: http://" + config.httpHost() + ":" + app.httpPort()
                    + "/metrics   (also /health, /ready)");
            out.println("Ctrl-C to stop.");
            out.flush();
            boolean wasReady = false;
            while (!signals.await(500, TimeUnit.MILLISECONDS)) {
                if (!app.isHealthy()) {
                    failed = "the monitoring app stopped: Kafka Streams is "
                            + app.streams().state() + (TandemCli.verbose() ? "" : " (run with --verbose for its logs)");
                    break;
                }
                if (!wasReady && app.isReady()) {
                    wasReady = true;
                    out.println("ready: joining '" + config.topics().predictions() + "'"
                            + (config.topics().readsShadow()
                                    ? " and '" + config.topics().shadowPredictions() + "'"
                                    : "")
                            + " with '" + config.topics().events() + "', writing '"
                            + config.topics().outcomes() + "' and '"
                            + config.topics().metrics() + "'");
                    out.flush();
                }
            }
            if (failed == null) {
                out.println("stopping (" + signals.received() + ")…");
                out.flush();
            }
        } finally {
            app.close(STOP_TIMEOUT, true);
            DevClusterCommand.removeHook(safetyNet);
        }
        if (failed != null) throw new CliException(failed);
        out.println("monitoring app stopped");
        out.flush();
        return ExitCodes.OK;
    }

    private boolean given(String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    /** File and environment, then the options given here; any bad value is a usage error (exit 2). */
    MonitoringConfig config(CommandLine cl) {
        if (configFile != null && !Files.isRegularFile(configFile)) {
            throw new CommandLine.ParameterException(cl, "config file not found: " + configFile);
        }
        Map<String, String> flags = new LinkedHashMap<>();
        if (given("--bootstrap")) flags.put(MonitoringConfig.BOOTSTRAP_SERVERS, kafka.bootstrap);
        if (given("--registry")) flags.put(MonitoringConfig.SCHEMA_REGISTRY_URL, kafka.registry);
        if (httpPort != null) flags.put(MonitoringConfig.HTTP_PORT, Integer.toString(httpPort));
        if (stateDir != null) flags.put(MonitoringConfig.STATE_DIR, stateDir.toString());
        if (applicationId != null) flags.put(MonitoringConfig.APPLICATION_ID, applicationId);
        if (horizon != null) flags.put(MonitoringConfig.FUNNEL_HORIZON, horizon.toMillis() + "ms");
        try {
            return MonitoringConfig.load(configFile, System.getenv()).with(flags);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage());
        }
    }

    /**
     * Kafka Streams would only fail later, in the background, on missing source topics; and the app joins events and
     * predictions (and the shadow predictions, when read) partition by partition, so their partition counts must
     * match.
     */
    static void requireTopics(MonitoringConfig config, KafkaEndpoints endpoints) {
        List<String> needed = config.topics().all();
        int timeout = (int) KafkaOptions.REACHABILITY_TIMEOUT.toMillis();
        try (Admin admin = Admin.create(endpoints.client(Map.of(
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                timeout,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                timeout,
                AdminClientConfig.CLIENT_ID_CONFIG,
                "tandem-monitor-check")))) {
            Set<String> existing = admin.listTopics().names().get(timeout, TimeUnit.MILLISECONDS);
            List<String> missing =
                    needed.stream().filter(t -> !existing.contains(t)).toList();
            if (!missing.isEmpty()) {
                String shadowHint = missing.contains(config.topics().shadowPredictions())
                        ? " (or set " + MonitoringConfig.TOPIC_PREDICTIONS_SHADOW + " empty to grade no shadow version)"
                        : "";
                throw new CliException("missing topics on " + config.bootstrapServers() + ": "
                        + String.join(", ", missing) + " — `tandem dev-cluster` creates them" + shadowHint);
            }
            List<String> inputs = config.topics().inputs();
            Map<String, TopicDescription> d =
                    admin.describeTopics(inputs).allTopicNames().get(timeout, TimeUnit.MILLISECONDS);
            int e = d.get(config.topics().events()).partitions().size();
            for (String t : inputs.subList(1, inputs.size())) {
                int p = d.get(t).partitions().size();
                if (e != p) {
                    throw new CliException("'" + config.topics().events() + "' has " + e + " partitions and '" + t
                            + "' " + p + ": the monitoring app needs them equal (all keyed by user id, joined"
                            + " partition by partition)");
                }
            }
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new CliException("cannot list the topics of " + config.bootstrapServers() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted while checking topics");
        }
    }

    // ------------------------------------------------------------------ replay

    private int replay() throws Exception {
        CommandLine cl = spec.commandLine();
        for (String liveOnly : List.of("--config", "--http-port", "--state-dir", "--application-id")) {
            if (given(liveOnly))
                throw new CommandLine.ParameterException(cl, liveOnly + " applies to the live app, not to --data");
        }
        if (model == null) throw new CommandLine.ParameterException(cl, "--data needs --model DIR");
        if (!Files.isDirectory(model))
            throw new CommandLine.ParameterException(cl, "model directory not found: " + model);
        if (!Files.isRegularFile(model.resolve(FeatureSpec.FILE_NAME))
                || !Files.isRegularFile(model.resolve("saved_model.pb"))) {
            throw new CommandLine.ParameterException(
                    cl, "not a model directory (no " + FeatureSpec.FILE_NAME + " or saved_model.pb): " + model);
        }
        if (partitions < 1) throw new CommandLine.ParameterException(cl, "--partitions must be at least 1");
        if (window.toMillis() < 1) throw new CommandLine.ParameterException(cl, "--window must be positive");
        ModelData.DataSource source = ModelData.DataSource.parse(cl, data);
        source.check(cl, format);
        if (json != null) {
            Path parent = json.toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent))
                throw new CommandLine.ParameterException(cl, "directory not found: " + parent);
        }
        FeatureSpec modelSpec;
        ModelConfig config;
        try {
            modelSpec = FeatureSpec.read(model);
            config = ModelConfig.read(model.resolve(ModelConfig.FILE_NAME));
        } catch (IOException | IllegalArgumentException e) {
            throw new CliException("cannot read the model in " + model + ": " + e.getMessage());
        }
        PrintWriter w = cl.getOut();
        Duration h = horizon != null ? horizon : EvaluateCommand.trainedHorizon(model);
        var events = ModelData.read(source, format, strict, kafka, cl.getErr());
        // the offline protocol only chooses which exposures are graded: tandem evaluate's validation split
        ExampleSet examples = ModelData.examples(events, source.toString(), modelSpec, h);
        ModelData.warnIfUnevaluable(examples, h, cl.getErr());
        w.println("data: " + ModelData.describe(examples));
        w.flush();
        Set<String> toScore = OnlineGrading.validationExposures(examples);
        MonitorReplay.Settings settings = new MonitorReplay.Settings(
                model,
                config.name(),
                model.toAbsolutePath().normalize().getFileName().toString(),
                examples.stageNames(),
                ModelData.funnel(h).funnel(),
                events,
                toScore,
                examples.stats().dataEndMs(),
                partitions,
                window,
                0);
        MonitorReplay.Result result;
        try {
            result = new MonitorReplay(settings, w).run();
        } catch (IllegalStateException e) {
            throw new CliException("the replay failed: " + e.getMessage(), ExitCodes.FAILURE, e);
        }
        w.println("model " + config.name() + " (" + model + "), online, validation split (horizon " + h + "):");
        MonitorFigures.table(examples.stageNames(), result.totals()).forEach(w::println);
        StringBuilder took = new StringBuilder("replay took");
        result.phaseSeconds()
                .forEach((phase, sec) -> took.append(String.format(java.util.Locale.ROOT, " %s %.1f s,", phase, sec)));
        w.println(took.substring(0, took.length() - 1));
        if (json != null) {
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("model", model.toString());
            root.put("data", source.toString());
            root.put("split", "validation");
            root.put("source", "online");
            root.put("horizon_ms", h.toMillis());
            root.put("stages", MonitorFigures.stages(examples.stageNames(), result.totals()));
            Map<String, Object> replay = new LinkedHashMap<>();
            replay.put("events_sent", result.eventsSent());
            replay.put("exposures_scored", result.predictions());
            replay.put("topic", TandemTopics.MODEL_METRICS);
            replay.put("partitions", partitions);
            replay.put("seconds", result.phaseSeconds());
            root.put("replay", replay);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), root);
            w.println("wrote " + json);
        }
        w.flush();
        return ExitCodes.OK;
    }
}
