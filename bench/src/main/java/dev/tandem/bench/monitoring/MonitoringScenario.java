package dev.tandem.bench.monitoring;

import dev.tandem.bench.BenchEnvironment;
import dev.tandem.bench.BenchReport;
import dev.tandem.bench.ScenarioCommand;
import dev.tandem.bench.monitoring.MonitoringRuns.Run;
import dev.tandem.bench.monitoring.MonitoringRuns.State;
import dev.tandem.bench.monitoring.MonitoringWorkload.Input;
import dev.tandem.monitoring.MonitoringConfig;
import dev.tandem.monitoring.MonitoringTopology;
import dev.tandem.monitoring.core.PendingPrediction;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The monitoring app's outcome throughput against a plain consumer → producer doing the same join, and its state per
 * waiting candidate, in one run. See bench/README.md and docs/benchmarks.md for the method.
 */
@Command(
        name = "monitoring",
        mixinStandardHelpOptions = true,
        description = {
            "Monitoring app: candidate outcomes graded per second end to end (the real",
            "topology, exactly_once_v2, counted by a read_committed consumer) against a plain",
            "KafkaConsumer → KafkaProducer loop doing the same join in HashMaps, same input;",
            "bytes of pending-outcomes state per waiting candidate."
        })
public final class MonitoringScenario extends ScenarioCommand {
    /** Settings the bench sets for each run itself: {@code --set} may not change them. */
    static final Set<String> OWN_SETTINGS = Set.of(
            MonitoringConfig.APPLICATION_ID,
            MonitoringConfig.BOOTSTRAP_SERVERS,
            MonitoringConfig.SCHEMA_REGISTRY_URL,
            MonitoringConfig.STATE_DIR,
            MonitoringConfig.HTTP_PORT,
            MonitoringConfig.PROCESSING_GUARANTEE,
            MonitoringConfig.TOPIC_EVENTS,
            MonitoringConfig.TOPIC_PREDICTIONS,
            MonitoringConfig.TOPIC_PREDICTIONS_SHADOW,
            MonitoringConfig.TOPIC_PREDICTION_OUTCOMES,
            MonitoringConfig.TOPIC_MODEL_METRICS);

    @Option(
            names = "--predictions",
            defaultValue = "300000",
            description = "Predictions (requests) pre-filled; outcomes are visible only at commits (every 5 s), so a"
                    + " run must span many of them (default: ${DEFAULT-VALUE}).")
    int predictions;

    @Option(
            names = "--candidates",
            defaultValue = "20",
            description = "Candidates per prediction, 1 to 64: one outcome each (default: ${DEFAULT-VALUE}).")
    int candidates;

    @Option(
            names = "--users",
            defaultValue = "10000",
            description = "Users; prediction n is user n mod users' (default: ${DEFAULT-VALUE}).")
    int users;

    @Option(
            names = "--events-per-user",
            defaultValue = "50",
            description = "Events of each user (default: ${DEFAULT-VALUE}).")
    int eventsPerUser;

    @Option(
            names = "--exactly-once",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description =
                    "Run the app exactly_once_v2, its default (default: ${DEFAULT-VALUE}); --no-exactly-once: at_least_once. The baseline has no transactions either way.")
    boolean exactlyOnce;

    @Option(names = "--seed", defaultValue = "13", description = "Generator seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            description =
                    "A MonitoringConfig setting for the app's runs (repeatable), e.g. commit.interval.ms or state.store.type; the rules (funnel.*, outcome.grace, …) reach the baseline and the workload too.")
    Map<String, String> settings = new LinkedHashMap<>();

    private PrintWriter out;

    @Override
    protected String scenario() {
        return "monitoring";
    }

    @Override
    protected void validate() {
        CommandLine cl = spec.commandLine();
        try {
            MonitoringWorkload.validate(predictions, candidates, users, eventsPerUser);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage());
        }
        for (String k : settings.keySet())
            if (OWN_SETTINGS.contains(k))
                throw new CommandLine.ParameterException(cl, "--set " + k + ": the bench sets it for each run");
        MonitoringTopology.Options options;
        try {
            options = MonitoringConfig.fromMap(settings).options();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, "--set: " + e.getMessage());
        }
        PendingPrediction probe = new PendingPrediction(
                "probe",
                0,
                MonitoringWorkload.MODEL,
                MonitoringWorkload.VERSION,
                MonitoringWorkload.STAGES,
                List.of(new PendingPrediction.Candidate("it-0", new float[MonitoringWorkload.STAGES.size()])));
        String refusal = options.grader().refusal(probe);
        if (refusal != null)
            throw new CommandLine.ParameterException(
                    cl,
                    "the bench's predictions (stages " + MonitoringWorkload.STAGES + ") would be refused: " + refusal);
    }

    @Override
    protected String details() {
        return String.format(
                Locale.ROOT,
                ": %,d predictions × %d candidates, %,d users × %d events, %s",
                predictions,
                candidates,
                users,
                eventsPerUser,
                exactlyOnce ? "exactly_once_v2" : "at_least_once");
    }

    @Override
    protected Map<String, Object> measure(BenchEnvironment env, PrintWriter printer) throws Exception {
        out = printer;
        MonitoringConfig base = MonitoringConfig.fromMap(settings);
        MonitoringTopology.Options options = base.options();
        long t0 = System.nanoTime();
        MonitoringWorkload w = MonitoringWorkload.generate(
                predictions, candidates, users, eventsPerUser, options.funnel().horizon(), options.grace(), seed);
        say("generated the workload in %.1f s", (System.nanoTime() - t0) / 1e9);
        List<Input> inputs = w.prefill(env, line -> say("%s", line));
        Input whole = inputs.get(0);
        Input prefix = inputs.get(1);
        Map<String, Object> m = new LinkedHashMap<>();
        try (MonitoringRuns runs = new MonitoringRuns(env, w, settings, exactlyOnce, line -> say("%s", line))) {
            // the state first: it also warms the JIT for the app's code and the shared rules and serdes
            State state = runs.state(prefix);
            Run app = runs.app(whole);
            Run baseline = runs.baseline(whole, options);
            if (!app.tally().sameOutcomes(baseline.tally()))
                throw new IllegalStateException("the app and the baseline graded differently: app " + app.tally()
                        + ", baseline " + baseline.tally());
            double ratio = app.outcomesPerSec() / baseline.outcomesPerSec();
            say("");
            say(
                    "summary: app %,.0f outcomes/s = %.2f of the baseline's %,.0f/s; %.1f bytes of pending-outcomes per"
                            + " waiting candidate",
                    app.outcomesPerSec(), ratio, baseline.outcomesPerSec(), state.bytesPerPendingCandidate());
            m.put("outcomes_per_sec", Math.round(app.outcomesPerSec()));
            m.put("baseline_outcomes_per_sec", Math.round(baseline.outcomesPerSec()));
            // the ratio was 0.006 before the app's fixes: three decimals would carry it several per cent off
            m.put("outcomes_ratio_to_baseline", BenchReport.ratio(ratio));
            m.put("state_bytes_per_pending_candidate", round3(state.bytesPerPendingCandidate()));
            m.put("state_bytes", state.bytes());
            m.put("state_users", state.users());
            m.put("state_pending_predictions", state.pendingPredictions());
            m.put("state_pending_candidates", state.pendingCandidates());
            m.put("state_kept_conversions", state.conversions());
            m.put("outcomes", app.tally().outcomes());
            m.put("censored_outcomes", app.tally().censored());
            for (int k = 0; k < MonitoringWorkload.STAGES.size(); k++) {
                m.put(
                        "reached_share_" + MonitoringWorkload.STAGES.get(k).toLowerCase(Locale.ROOT),
                        round3((double) app.tally().reached()[k] / app.tally().outcomes()));
            }
            m.put("outcome_bytes", Math.round(app.tally().meanValueBytes()));
            m.put("app_cpu_us_per_outcome", round3(app.cpuMicrosPerOutcome()));
            m.put("baseline_cpu_us_per_outcome", round3(baseline.cpuMicrosPerOutcome()));
            m.put(
                    "outcomes_cpu_ratio_to_baseline",
                    BenchReport.ratio(baseline.cpuMicrosPerOutcome() / Math.max(app.cpuMicrosPerOutcome(), 1e-9)));
            m.put("app_broker_cpu_us_per_outcome", round3(app.brokerCpuMicrosPerOutcome()));
            m.put("baseline_broker_cpu_us_per_outcome", round3(baseline.brokerCpuMicrosPerOutcome()));
            m.put("app_seconds", round3(app.seconds()));
            m.put("baseline_seconds", round3(baseline.seconds()));
        }
        m.put("predictions", predictions);
        m.put("candidates_per_prediction", candidates);
        m.put("users", users);
        m.put("events_per_user", eventsPerUser);
        m.put("events", w.events());
        m.put("partitions", env.partitions());
        m.put("exactly_once", exactlyOnce);
        m.put("commit_interval_ms", base.commitIntervalMs());
        // what --set changed from the app's defaults, so a kept run says how it was configured
        m.put("settings", new java.util.TreeMap<>(settings));
        return m;
    }

    private static double round3(double d) {
        return Math.round(d * 1000) / 1000.0;
    }

    private void say(String format, Object... args) {
        out.println(String.format(Locale.ROOT, format, args));
        out.flush();
    }
}
