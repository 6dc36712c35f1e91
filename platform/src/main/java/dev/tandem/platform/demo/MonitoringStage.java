package dev.tandem.platform.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.train.TrainedModel;
import dev.tandem.monitoring.MonitoringApp;
import dev.tandem.monitoring.MonitoringConfig;
import dev.tandem.platform.monitor.ModelTotals;
import dev.tandem.platform.monitor.OnlineGrading;
import dev.tandem.schemas.ModelMetrics;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.FileTrees;
import dev.tandem.testkit.KafkaAcls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;

/**
 * The monitoring app ({@link MonitoringApp}) in this JVM on the demo's cluster, grading the scoring stage's model
 * online: each exposure {@code tandem evaluate} would grade (the log's validation split) is scored with its user's
 * {@code user-features} just before it (playing the scoring job: a request per exposure, sent now, would meet the
 * features after it), the app joins those predictions with the later events, and the stage prints each stage's running
 * AUC and ECE as labels arrive, then, once the app is drained at the end of the log, the final figures next to the
 * model card's offline ones.
 *
 * <p>The exposures' predictions go to {@code predictions-shadow}, which the app reads instead of {@code predictions}
 * (graded, never served, as a shadow version's; shadow grading itself is off). On {@code predictions} they would be
 * graded together with the scoring job's own predictions of the same version, the demo's requests and swap rounds,
 * which the offline figures do not have (its start-up probes the monitoring app skips by their request ids). The serving
 * sink would also store thousands of old predictions for nothing.
 */
public final class MonitoringStage implements DemoStage {
    /** Short, so the figures change visibly while labels arrive. */
    static final Duration INTERVAL = Duration.ofMillis(500);

    static final Duration PRINT_EVERY = Duration.ofSeconds(1);
    private static final Duration WINDOW = Duration.ofHours(1);
    /** The platform's application id: the one a secured cluster's ACLs grant the monitoring principal. */
    static final String APPLICATION_ID = "tandem-monitoring";

    private static final ObjectMapper JSON = new ObjectMapper();

    private MonitoringApp app;
    private Path stateDir;
    private Thread live;
    private volatile boolean closing;

    @Override
    public String name() {
        return "monitoring";
    }

    @Override
    public void start(DemoContext ctx) {
        // Everything happens in awaitDone: the app needs the model and the funnel the scoring stage settles on.
    }

    @Override
    public void awaitDone(DemoContext ctx) throws Exception {
        DemoContext.Scored scored = ctx.scored();
        if (scored == null) {
            ctx.println("monitoring skipped: the scoring stage made no model");
            return;
        }
        List<UserEvent> log = scored.log();
        // the offline protocol only chooses which exposures are graded, as tandem monitor --data does
        ExampleSet examples = ScoringStage.examples(log);
        if (examples.validationCount() == 0) {
            ctx.println("monitoring skipped: " + examples.size() + " exposures are too few for a validation split");
            return;
        }
        Path dir = scored.modelDir();
        OnlineGrading.Model model = new OnlineGrading.Model(
                dir, dir.getParent().getFileName().toString(), dir.getFileName().toString(), ScoringStage.STAGES);
        Set<String> toScore = OnlineGrading.validationExposures(examples);
        long dataEndMs = examples.stats().dataEndMs();

        long t0 = System.nanoTime();
        stateDir = Files.createTempDirectory("tandem-demo-monitoring-");
        Map<String, String> settings = new LinkedHashMap<>(OnlineGrading.monitoringSettings(
                ScoringStage.funnel(log).funnel(), log, dataEndMs, dir, WINDOW, INTERVAL));
        settings.put(MonitoringConfig.APPLICATION_ID, APPLICATION_ID);
        settings.put(MonitoringConfig.BOOTSTRAP_SERVERS, ctx.endpoints().bootstrapServers());
        settings.put(MonitoringConfig.SCHEMA_REGISTRY_URL, ctx.endpoints().registryUrl());
        settings.put(MonitoringConfig.STATE_DIR, stateDir.toString());
        settings.put(MonitoringConfig.HTTP_PORT, "0");
        // the exposures are scored onto the shadow topic, graded as this app's only predictions: the scoring job's
        // own on `predictions` (the demo's requests and its start-up probes) would add outcomes the card does not have
        settings.put(MonitoringConfig.TOPIC_PREDICTIONS, TandemTopics.PREDICTIONS_SHADOW);
        settings.put(MonitoringConfig.TOPIC_PREDICTIONS_SHADOW, "");
        ctx.client(KafkaAcls.MONITORING).forEach((k, v) -> settings.put(MonitoringConfig.STREAMS_PREFIX + k, v));
        settings.putAll(ctx.registry());
        settings.putAll(ctx.http().asMap());
        MonitoringConfig config = MonitoringConfig.fromMap(settings);
        app = new MonitoringApp(config).start();
        String metricsUrl = ctx.http().scheme() + "://" + config.httpHost() + ":" + app.httpPort() + "/metrics";
        ctx.println("monitoring app started (Kafka Streams): grading model " + model.name() + "/" + model.version()
                + " from '" + TandemTopics.PREDICTIONS_SHADOW + "' against the later events of '"
                + TandemTopics.EVENTS + "', figures every "
                + INTERVAL.toMillis() + " ms to '" + TandemTopics.MODEL_METRICS + "'");

        AtomicLong outcomes = new AtomicLong(-1);
        CompletableFuture<Map<String, ModelMetrics>> totals = new CompletableFuture<>();
        live = new Thread(() -> watch(ctx, model, outcomes, totals), "tandem-demo-monitoring-live");
        live.setDaemon(true);
        live.start();

        // the scorer reads every user-features version: a short demo's topic is never compacted, as the cleaner
        // leaves a partition's active segment (the whole of it here) alone
        OnlineGrading.Scored exposures = OnlineGrading.scoreExposures(
                ctx.endpoints(KafkaAcls.SCORING),
                ctx.endpoints(KafkaAcls.SCORING),
                TandemTopics.PREDICTIONS_SHADOW,
                "tandem-demo-exposures",
                model,
                log,
                toScore);
        ctx.println(
                "  " + exposures.describe() + " of the validation split, to '" + TandemTopics.PREDICTIONS_SHADOW + "'");
        try (Admin admin = Admin.create(ctx.endpoints(KafkaAcls.MONITORING).client(Map.of()))) {
            OnlineGrading.awaitCaughtUp(
                    admin,
                    APPLICATION_ID,
                    List.of(TandemTopics.EVENTS, TandemTopics.PREDICTIONS_SHADOW),
                    app::isHealthy,
                    "monitoring app");
        }
        if (ctx.stopping()) return;
        app.drain(Instant.ofEpochMilli(dataEndMs), OnlineGrading.STALL);
        // one candidate per prediction: an outcome per exposure
        outcomes.set(exposures.exposures());
        Map<String, ModelMetrics> last = awaitTotals(ctx, totals);
        if (last == null) return;
        ctx.println(String.format(
                Locale.ROOT,
                "monitoring app drained at the end of the log in %.1f s; online figures of the %,d exposures, next to"
                        + " the model card's offline ones (validation split):",
                (System.nanoTime() - t0) / 1e9,
                exposures.exposures()));
        JsonNode card = card(dir);
        for (String stage : model.stages()) ctx.println(finalLine(stage, last.get(stage), card.path(stage)));
        ctx.println("  monitoring metrics (AUC, ECE, PSI per stage): " + metricsUrl);
    }

    /**
     * Reads the totals as they arrive, prints the changed ones at most once per {@link #PRINT_EVERY}, and completes
     * {@code done} once they cover {@code outcomes} (set after the drain).
     */
    private void watch(
            DemoContext ctx,
            OnlineGrading.Model model,
            AtomicLong outcomes,
            CompletableFuture<Map<String, ModelMetrics>> done) {
        try (ModelTotals reader = new ModelTotals(ctx.endpoints(), model)) {
            Map<String, ModelMetrics> shown = new HashMap<>();
            long nextPrint = System.nanoTime();
            while (!closing && !ctx.stopping()) {
                reader.poll(Duration.ofMillis(200));
                long expected = outcomes.get();
                boolean complete = expected >= 0 && reader.cover(expected);
                if (complete || System.nanoTime() >= nextPrint) {
                    Map<String, ModelMetrics> now = reader.totals();
                    for (String stage : model.stages()) {
                        ModelMetrics m = now.get(stage);
                        // once labels arrive: AUC and ECE mean nothing before both classes are there
                        if (m == null || m.getPositives() == 0 || m.getNegatives() == 0) continue;
                        if (Objects.equals(shown.get(stage), m)) continue;
                        shown.put(stage, m);
                        ctx.println(liveLine(stage, m));
                    }
                    nextPrint = System.nanoTime() + PRINT_EVERY.toNanos();
                }
                if (complete) {
                    done.complete(reader.totals());
                    return;
                }
            }
            done.cancel(false);
        } catch (RuntimeException e) {
            done.completeExceptionally(e);
        }
    }

    private Map<String, ModelMetrics> awaitTotals(DemoContext ctx, CompletableFuture<Map<String, ModelMetrics>> totals)
            throws Exception {
        long deadline = System.nanoTime() + OnlineGrading.STALL.toNanos();
        while (!ctx.stopping()) {
            try {
                return totals.get(100, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (!app.isHealthy()) {
                    throw new IllegalStateException("the monitoring app stopped: Kafka Streams is "
                            + app.streams().state());
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the monitoring app's totals did not cover every outcome within "
                            + OnlineGrading.STALL.toSeconds() + " s");
                }
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception ex ? ex : e;
            }
        }
        return null;
    }

    static String liveLine(String stage, ModelMetrics m) {
        return String.format(
                Locale.ROOT,
                "  monitoring live: %-8s AUC %.4f  ECE %.4f  (%,d positives, %,d negatives so far)",
                stage,
                m.getAuc(),
                m.getEce(),
                m.getPositives(),
                m.getNegatives());
    }

    /** @param card the stage's section of the card ({@code stages.<STAGE>}); missing when the card has none */
    static String finalLine(String stage, ModelMetrics m, JsonNode card) {
        if (m == null) return String.format(Locale.ROOT, "  %-8s no figures (no outcome graded)", stage);
        return String.format(
                Locale.ROOT,
                "  %-8s AUC %s (card %s)  ECE %s (card %s)  log loss %s (card %s)  positives %,d of %,d (card %s of %s)"
                        + "  score PSI %s",
                stage,
                f(m.getAuc()),
                f(card.path("auc").asDouble(Double.NaN)),
                f(m.getEce()),
                f(card.path("ece").asDouble(Double.NaN)),
                f(m.getLogloss()),
                f(card.path("logloss").asDouble(Double.NaN)),
                m.getPositives(),
                m.getPositives() + m.getNegatives(),
                count(card, "positives"),
                count(card, "evaluated"),
                // against the card's drift reference: n/a if the app did not find the card
                f(m.getScorePsi()));
    }

    private static String count(JsonNode card, String key) {
        return card.has(key) ? String.format(Locale.ROOT, "%,d", card.path(key).asLong()) : "n/a";
    }

    private static String f(Double d) {
        return d == null || d.isNaN() ? "n/a" : String.format(Locale.ROOT, "%.4f", d);
    }

    /** The card's per-stage figures; empty if it cannot be read (the online ones are printed anyway). */
    private static JsonNode card(Path modelDir) {
        try {
            return JSON.readTree(modelDir.resolve(TrainedModel.CARD_JSON).toFile())
                    .path("stages");
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    @Override
    public void close() throws Exception {
        closing = true;
        try {
            if (live != null) live.join(10_000);
            if (app != null) app.close(Duration.ofSeconds(15), true);
        } finally {
            live = null;
            app = null;
            if (stateDir != null) FileTrees.delete(stateDir);
            stateDir = null;
        }
    }
}
