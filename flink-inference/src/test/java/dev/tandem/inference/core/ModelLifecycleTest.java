package dev.tandem.inference.core;

import static dev.tandem.inference.Fixtures.features;
import static dev.tandem.inference.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.inference.ModelVersions;
import dev.tandem.inference.core.ModelCommand.Kind;
import dev.tandem.model.features.EncodedBatch;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.testdata.TinyModels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ModelLifecycle} alone, on real SavedModels ({@link TinyModels}): this test's thread plays the
 * task thread, and runs what the loader hands back when it drains {@link #mailbox}.
 */
@Timeout(180)
class ModelLifecycleTest {
    private static final List<String> STAGES = List.of("CART", "PURCHASE");
    private static final int WARM_UP_ROWS = 8;

    @TempDir
    static Path models;

    static ModelVersions versions;

    @BeforeAll
    static void realModels() throws Exception {
        versions = ModelVersions.create(models);
    }

    private final Queue<Runnable> mailbox = new ConcurrentLinkedQueue<>();
    private final List<DeadLetter> deadLetters = new ArrayList<>();
    private final CountingMetrics metrics = new CountingMetrics();
    private final List<String> loaderThreads = new CopyOnWriteArrayList<>();
    private int switches;
    private long offset;
    private ModelLifecycle lifecycle;

    @AfterEach
    void close() throws Exception {
        if (lifecycle != null) {
            lifecycle.close();
        }
    }

    private ModelLifecycle open(ControlSnapshot restored) throws Exception {
        BatchScorerFactory tf = TfBatchScorer.factory(versions.v1().toString(), STAGES);
        BatchScorerFactory watched = new WatchedFactory(tf, loaderThreads);
        lifecycle = new ModelLifecycle(
                watched,
                WARM_UP_ROWS,
                "scoring subtask 0",
                "model-loader-test",
                mailbox::add,
                metrics,
                () -> switches++,
                deadLetters::add);
        lifecycle.open(restored);
        return lifecycle;
    }

    private ModelCommand command(Kind kind, String version, Object location) {
        byte[] value = ("control-" + offset).getBytes(StandardCharsets.UTF_8);
        ModelCommand c = ModelCommand.of(
                kind,
                version == null ? "" : "tiny",
                version,
                location == null ? null : location.toString(),
                5,
                "cmd-" + offset,
                RawRecord.of(
                        "model-control", 0, offset, 1_000 + offset, "tiny".getBytes(StandardCharsets.UTF_8), value));
        offset++;
        lifecycle.handle(c);
        return c;
    }

    /** Runs what the loader handed back, on this thread, until {@code done}. */
    private void runMailUntil(BooleanSupplier done) {
        await().pollInSameThread()
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(5))
                .until(() -> {
                    Runnable r;
                    while ((r = mailbox.poll()) != null) {
                        r.run();
                    }
                    return done.getAsBoolean();
                });
    }

    /** The active scorer's probabilities for two real requests. */
    private static float[] score(BatchScorer s) {
        RequestEncoder encoder = new RequestEncoder(TinyModels.SPEC);
        EncodedBatch b = new EncodedBatch(TinyModels.SPEC, 4);
        encoder.encode(request("r1", "u1", 1_000, "i1", "i2"), features("u1", 500, 3, 1), x -> null, 0)
                .writeRows(b, 0);
        encoder.encode(request("r2", "u2", 1_000, "i3", "i4"), features("u2", 500, 5, 1), x -> null, 0)
                .writeRows(b, 2);
        b.setRows(4);
        return s.score(b).clone();
    }

    @Test
    void opensOnTheConfiguredModelAndLoadsAnotherOffTheTaskThreadWithoutSwitching() throws Exception {
        open(null);
        assertThat(lifecycle.active()).isEqualTo(new ModelRef("tiny", "v1", null));
        assertThat(lifecycle.spec()).isEqualTo(TinyModels.SPEC);
        assertThat(score(lifecycle.scorer())).hasSize(4 * STAGES.size());

        command(Kind.LOAD, "v2", versions.v2());
        assertThat(lifecycle.isLoaded("tiny/v2"))
                .as("installed only on the task thread")
                .isFalse();
        runMailUntil(() -> lifecycle.isLoaded("tiny/v2"));
        assertThat(loaderThreads).containsExactly("model-loader-test");
        assertThat(metrics.loads).isEqualTo(1);
        assertThat(lifecycle.active().version()).isEqualTo("v1");
        assertThat(switches).isZero();
        assertThat(lifecycle.snapshot().loaded())
                .containsExactly(new ModelRef("tiny", "v2", versions.v2().toString()));
        command(Kind.LOAD, "v2", versions.v2()); // one version, one session
        assertThat(mailbox).isEmpty();
        assertThat(deadLetters).isEmpty();
    }

    @Test
    void activateSwitchesAfterTheOwnerFlushesAndRollbackGoesBackAndReleasesTheNewerVersion() throws Exception {
        open(null);
        float[] byV1 = score(lifecycle.scorer());
        command(Kind.ACTIVATE, "v2", versions.v2()); // not loaded yet: loads first, then switches
        runMailUntil(() -> lifecycle.active().version().equals("v2"));
        assertThat(switches).isEqualTo(1);
        assertThat(metrics.swaps).isEqualTo(1);
        assertThat(lifecycle.scorer().modelVersion()).isEqualTo("v2");
        assertThat(score(lifecycle.scorer())).as("the other weights score").isNotEqualTo(byV1);
        command(Kind.ACTIVATE, "v2", null); // already active: nothing to flush
        assertThat(switches).isEqualTo(1);

        command(Kind.ROLLBACK, null, null);
        assertThat(switches).isEqualTo(2);
        assertThat(lifecycle.active().version()).isEqualTo("v1");
        assertThat(score(lifecycle.scorer())).isEqualTo(byV1);
        assertThat(lifecycle.isLoaded("tiny/v2"))
                .as("rolled back from: nothing serves it or can roll back to it")
                .isFalse();

        command(Kind.ROLLBACK, null, null);
        assertThat(switches).isEqualTo(2);
        assertThat(deadLetters).singleElement().satisfies(d -> {
            assertThat(d.reason).isEqualTo("invalid-model-command");
            assertThat(d.sourceTopic).isEqualTo("model-control");
            assertThat(d.sourceOffset).isEqualTo(3);
            assertThat(new String(d.value, StandardCharsets.UTF_8)).isEqualTo("control-3");
            assertThat(d.errorMessage)
                    .startsWith("scoring subtask 0: ROLLBACK [cmd-3]: ROLLBACK with no previous model");
        });
        assertThat(metrics.refusals).isEqualTo(1);
    }

    @Test
    void shadowNamesASecondScorerUntilStoppedOrUntilItFails() throws Exception {
        open(null);
        command(Kind.SHADOW, "v2", versions.v2());
        runMailUntil(() -> lifecycle.shadow() != null);
        assertThat(lifecycle.shadowScorer().modelVersion()).isEqualTo("v2");
        assertThat(lifecycle.active().version()).isEqualTo("v1");
        assertThat(switches).isZero();
        command(Kind.STOP_SHADOW, null, null);
        assertThat(lifecycle.shadow()).isNull();
        assertThat(lifecycle.shadowScorer()).isNull();
        assertThat(lifecycle.isLoaded("tiny/v2")).isFalse();

        command(Kind.SHADOW, "v2", versions.v2());
        runMailUntil(() -> lifecycle.shadow() != null);
        lifecycle.shadowFailed(new IllegalStateException("NaN"));
        assertThat(lifecycle.shadowScorer()).isNull();
        assertThat(lifecycle.isLoaded("tiny/v2")).isFalse();
        assertThat(metrics.refusals).isEqualTo(1);
        assertThat(deadLetters).isEmpty();
    }

    @Test
    void modelsThatCannotServeAreRefusedWithTheirRecordsAndTheCurrentOneKeepsServing() throws Exception {
        open(null);
        float[] byV1 = score(lifecycle.scorer());
        List<ModelCommand> refused = List.of(
                command(Kind.LOAD, "v-garbage", versions.garbage()),
                command(Kind.ACTIVATE, "v-mismatch", versions.mismatch()),
                command(Kind.SHADOW, "v-remote", "s3://bucket/tiny/v3"));
        runMailUntil(() -> deadLetters.size() == 3);
        command(Kind.ACTIVATE, "v9", null); // neither loaded nor locatable
        assertThat(deadLetters).hasSize(4);
        assertThat(lifecycle.active().version()).isEqualTo("v1");
        assertThat(lifecycle.shadow()).isNull();
        assertThat(score(lifecycle.scorer())).isEqualTo(byV1);
        assertThat(switches).isZero();
        assertThat(metrics.refusals).isEqualTo(4);
        for (ModelCommand c : refused) {
            DeadLetter d = deadLetters.stream()
                    .filter(x -> x.sourceOffset == c.source.offset)
                    .findFirst()
                    .orElseThrow();
            assertThat(d.reason).isEqualTo("model-refused");
            assertThat(d.key).isEqualTo(c.source.key);
            assertThat(d.value).isEqualTo(c.source.value);
            assertThat(d.errorClass).isNotBlank();
            assertThat(d.errorMessage).startsWith("scoring subtask 0: " + c.kind + " tiny/" + c.modelVersion);
        }
        assertThat(deadLetters.stream()
                        .filter(d -> d.sourceOffset == 1)
                        .findFirst()
                        .orElseThrow()
                        .errorMessage)
                .contains("sequenceLength");
        assertThat(deadLetters.stream()
                        .filter(d -> d.sourceOffset == 2)
                        .findFirst()
                        .orElseThrow()
                        .errorMessage)
                .contains("s3:");
        assertThat(deadLetters.get(3).reason).isEqualTo("invalid-model-command");
        assertThat(lifecycle.snapshot().loaded())
                .as("nothing refused stays loaded or loading")
                .isEmpty();
    }

    @Test
    void aSnapshotOpensAgainOnTheSameActiveHistoryAndShadow() throws Exception {
        open(null);
        command(Kind.ACTIVATE, "v2", versions.v2());
        runMailUntil(() -> lifecycle.active().version().equals("v2"));
        command(Kind.SHADOW, "v1", null); // the configured model, already loaded
        String json = lifecycle.snapshot().toJson();
        lifecycle.close();

        ControlSnapshot restored = ControlSnapshot.fromJson(json);
        assertThat(restored.active())
                .isEqualTo(new ModelRef("tiny", "v2", versions.v2().toString()));
        assertThat(restored.previous()).containsExactly(new ModelRef("tiny", "v1", null));
        open(restored);
        assertThat(lifecycle.active().version()).isEqualTo("v2");
        assertThat(lifecycle.shadowScorer().modelVersion()).isEqualTo("v1");
        assertThat(mailbox)
                .as("a restore loads on the task thread, before scoring starts")
                .isEmpty();
        command(Kind.ROLLBACK, null, null);
        assertThat(lifecycle.active().version()).isEqualTo("v1");
    }

    @Test
    void aRestoredActiveModelThatNoLongerLoadsFallsBackToTheConfiguredOneAndReissuedCommandsAreNotDeadLettered()
            throws Exception {
        ModelCommand reissued = ModelCommand.of(Kind.ACTIVATE, "tiny", "v7", null, 5, "cmd-old", null);
        open(new ControlSnapshot(
                new ModelRef("tiny", "gone", models.resolve("nowhere").toString()),
                List.of(),
                null,
                List.of(),
                List.of(reissued)));
        assertThat(lifecycle.active()).isEqualTo(new ModelRef("tiny", "v1", null));
        assertThat(metrics.refusals)
                .as("the lost model and the inapplicable re-issued command")
                .isEqualTo(2);
        assertThat(deadLetters)
                .as("a re-issued command's record was handled before the checkpoint")
                .isEmpty();
    }

    private static final class CountingMetrics implements ModelLifecycle.Metrics {
        int swaps;
        int refusals;
        int loads;

        @Override
        public void modelSwapped() {
            swaps++;
        }

        @Override
        public void modelRefused() {
            refusals++;
        }

        @Override
        public void modelLoaded(long loadMillis, long warmUpMillis) {
            assertThat(loadMillis).isNotNegative();
            assertThat(warmUpMillis).isNotNegative();
            loads++;
        }
    }

    /** The TF factory, noting which thread loads the versions that commands name. */
    private record WatchedFactory(BatchScorerFactory tf, List<String> loaderThreads) implements BatchScorerFactory {
        @Override
        public FeatureSpec encoderSpec() throws Exception {
            return tf.encoderSpec();
        }

        @Override
        public BatchScorer create() throws Exception {
            return tf.create();
        }

        @Override
        public BatchScorer create(ModelRef model) throws Exception {
            loaderThreads.add(Thread.currentThread().getName());
            return tf.create(model);
        }
    }
}
