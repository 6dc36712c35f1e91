package dev.tandem.inference.job;

import static dev.tandem.inference.Fixtures.SPEC;
import static dev.tandem.inference.Fixtures.features;
import static dev.tandem.inference.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.inference.Fixtures;
import dev.tandem.inference.core.DeadLetter;
import dev.tandem.inference.core.EncodedRequest;
import dev.tandem.inference.core.ModelCommand;
import dev.tandem.inference.core.ModelCommand.Kind;
import dev.tandem.inference.core.RawRecord;
import dev.tandem.inference.core.RequestEncoder;
import dev.tandem.model.features.EncodedBatch;
import dev.tandem.schemas.Prediction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.mailbox.Mail;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The model lifecycle of {@link MicroBatchOperator} on fake scorers (see {@link Fixtures.FakeScorerFactory}). */
@Timeout(60)
class ModelLifecycleOperatorTest {
    private final RequestEncoder encoder = new RequestEncoder(SPEC);
    private final String id = UUID.randomUUID().toString();
    private OneInputStreamOperatorTestHarness<EncodedRequest, Prediction> h;
    private final List<EncodedRequest> sent = new ArrayList<>();
    private long offset;

    private OneInputStreamOperatorTestHarness<EncodedRequest, Prediction> harness(int maxRows) throws Exception {
        return new OneInputStreamOperatorTestHarness<>(
                new MicroBatchOperator(new Fixtures.FakeScorerFactory(id), maxRows, Duration.ofSeconds(100)));
    }

    private void open(int maxRows) throws Exception {
        h = harness(maxRows);
        h.setProcessingTime(0);
        h.open();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (h != null) {
            h.close();
        }
        assertThat(Fixtures.SCORERS.getOrDefault(id, List.of()))
                .as("every session closed with the operator")
                .allMatch(s -> s.closed);
    }

    private MicroBatchOperator op() {
        return (MicroBatchOperator) h.getOperator();
    }

    private EncodedRequest send(String rid, String user, int candidates) throws Exception {
        String[] items = new String[candidates];
        for (int i = 0; i < candidates; i++) {
            items[i] = "item-" + rid + "-" + i;
        }
        EncodedRequest r = encoder.encode(request(rid, user, 1_000, items), features(user, 500, 3, 3), x -> null, 0);
        sent.add(r);
        h.processElement(new StreamRecord<>(r, 7));
        return r;
    }

    private ModelCommand command(Kind kind, String version, String location) throws Exception {
        byte[] value = ("control-" + offset).getBytes(StandardCharsets.UTF_8);
        ModelCommand c = ModelCommand.of(
                kind,
                version == null ? "" : "fake",
                version,
                location,
                5,
                "cmd-" + offset,
                RawRecord.of(
                        "model-control", 0, offset, 1_000 + offset, "fake".getBytes(StandardCharsets.UTF_8), value));
        offset++;
        h.processElement(new StreamRecord<>(EncodedRequest.control(c)));
        return c;
    }

    /** Runs the mails the loader thread posted (on this thread, the harness's mailbox thread) until {@code done}. */
    private void runMailUntil(BooleanSupplier done) {
        await().pollInSameThread()
                .atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(5))
                .until(() -> {
                    Optional<Mail> m;
                    while ((m = h.getTaskMailbox().tryTake(TaskMailbox.MIN_PRIORITY)).isPresent()) {
                        m.get().run();
                    }
                    return done.getAsBoolean();
                });
    }

    private List<Prediction> out() {
        return h.extractOutputValues();
    }

    private List<Prediction> shadowOut() {
        var q = h.getSideOutput(MicroBatchOperator.SHADOW_PREDICTIONS);
        return q == null ? List.of() : q.stream().map(StreamRecord::getValue).toList();
    }

    private List<DeadLetter> deadLetters() {
        var q = h.getSideOutput(MicroBatchOperator.DEAD_LETTERS);
        return q == null ? List.of() : q.stream().map(StreamRecord::getValue).toList();
    }

    /** What {@code version} of the fake gives this request scored alone, offline. */
    private static List<List<Float>> offline(EncodedRequest r, String version) {
        EncodedBatch b = new EncodedBatch(SPEC, Math.max(1, r.candidates()));
        r.writeRows(b, 0);
        b.setRows(r.candidates());
        float[] p = Fixtures.versionedScores(b, 2, version);
        List<List<Float>> out = new ArrayList<>();
        for (int i = 0; i < r.candidates(); i++) {
            out.add(List.of(p[2 * i], p[2 * i + 1]));
        }
        return out;
    }

    private EncodedRequest sentRequest(Prediction p) {
        return sent.stream()
                .filter(r -> r.requestId.equals(p.getRequestId().toString()))
                .findFirst()
                .orElseThrow();
    }

    private void assertScoredBy(List<Prediction> ps, String version) {
        assertThat(ps).isNotEmpty().allSatisfy(p -> {
            assertThat(p.getModelName()).isEqualTo("fake");
            assertThat(p.getModelVersion()).isEqualTo(version);
            assertThat(p.getCandidates())
                    .extracting(c -> c.getProbabilities())
                    .containsExactlyElementsOf(offline(sentRequest(p), version));
        });
    }

    private String activeVersion() {
        return op().activeModel().version();
    }

    @Test
    void loadWarmsUpOffTheTaskThreadAndActivateSwitchesAtABatchBoundaryKeepingOrder() throws Exception {
        open(40);
        for (int i = 0; i < 6; i++) {
            send("a" + i, "u" + i % 3, 1 + i % 4);
        }
        command(Kind.LOAD, "2", "ok");
        for (int i = 6; i < 9; i++) {
            send("a" + i, "u" + i % 3, 2); // arrive while v2 loads
        }
        runMailUntil(() -> op().isLoaded("fake/2"));
        assertThat(activeVersion()).isEqualTo("1"); // loaded, not serving
        assertThat(out()).isEmpty(); // loading flushed nothing
        command(Kind.ACTIVATE, "2", null);
        assertThat(activeVersion()).isEqualTo("2");
        assertThat(out()).hasSize(9); // what was buffered went out first, scored by v1
        for (int i = 9; i < 30; i++) {
            send("a" + i, "u" + i % 3, 1 + i % 5);
        }
        h.prepareSnapshotPreBarrier(1);
        List<Prediction> all = out();
        assertThat(all)
                .extracting(p -> p.getRequestId().toString())
                .containsExactlyElementsOf(sent.stream().map(r -> r.requestId).toList());
        assertScoredBy(all.subList(0, 9), "1");
        assertScoredBy(all.subList(9, all.size()), "2");
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void scoringGoesOnWhileAModelLoadsAndActivateOfANotLoadedVersionLoadsItFirst() throws Exception {
        open(4);
        CountDownLatch latch = new CountDownLatch(1);
        Fixtures.BLOCKS.put(id, latch);
        command(Kind.ACTIVATE, "3", "block:" + id);
        for (int i = 0; i < 10; i++) {
            send("b" + i, "u" + i % 2, 2); // full batches of 4 rows are scored while v3 is still loading
        }
        assertThat(out()).hasSize(10);
        assertScoredBy(out(), "1");
        latch.countDown();
        runMailUntil(() -> activeVersion().equals("3"));
        send("b10", "u0", 4);
        assertScoredBy(out().subList(10, 11), "3");
    }

    @Test
    void rollbackGoesBackToThePreviousVersionAndAnEmptyHistoryIsRefused() throws Exception {
        open(100);
        command(Kind.ROLLBACK, null, null);
        assertThat(deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.reason).isEqualTo("invalid-model-command");
            assertThat(d.sourceTopic).isEqualTo("model-control");
            assertThat(new String(d.value, StandardCharsets.UTF_8)).isEqualTo("control-0");
        });
        command(Kind.LOAD, "2", "ok");
        runMailUntil(() -> op().isLoaded("fake/2"));
        command(Kind.ACTIVATE, "2", null);
        send("r0", "u1", 3);
        command(Kind.ROLLBACK, null, null);
        assertThat(activeVersion()).isEqualTo("1");
        send("r1", "u1", 3);
        h.endInput();
        assertScoredBy(out().subList(0, 1), "2");
        assertScoredBy(out().subList(1, 2), "1");
        // the rolled-back version serves nothing and cannot be rolled back to: closed, between batches
        assertThat(Fixtures.SCORERS.get(id).get(1).closed).isTrue();
    }

    @Test
    void aModelThatFailsToLoadOrWarmUpOrWhoseSpecDoesNotMatchIsRefusedAndTheCurrentOneKeepsServing() throws Exception {
        open(100);
        List<ModelCommand> bad = List.of(
                command(Kind.LOAD, "2", "fail-load"),
                command(Kind.ACTIVATE, "3", "fail-warmup"),
                command(Kind.ACTIVATE, "4", "mismatch"),
                command(Kind.SHADOW, "5", "fail-load"));
        send("r0", "u1", 2);
        runMailUntil(() -> deadLetters().size() == 4);
        send("r1", "u2", 2);
        command(Kind.ACTIVATE, "2", null); // never loaded, no location
        h.endInput();
        assertThat(activeVersion()).isEqualTo("1");
        assertThat(op().shadowModel()).isNull();
        assertScoredBy(out(), "1");
        assertThat(out()).hasSize(2);
        List<DeadLetter> dead = deadLetters();
        assertThat(dead).hasSize(5);
        for (int i = 0; i < bad.size(); i++) {
            ModelCommand c = bad.get(i);
            DeadLetter d = dead.stream()
                    .filter(x -> x.sourceOffset == c.source.offset)
                    .findFirst()
                    .orElseThrow();
            assertThat(d.reason).isEqualTo("model-refused");
            assertThat(d.value).isEqualTo(c.source.value);
            assertThat(d.key).isEqualTo(c.source.key);
            assertThat(d.errorMessage).contains("fake/" + c.modelVersion);
        }
        assertThat(dead.stream().filter(d -> d.sourceOffset == 1).findFirst().orElseThrow().errorMessage)
                .contains("warm-up failed");
        assertThat(dead.stream().filter(d -> d.sourceOffset == 2).findFirst().orElseThrow().errorMessage)
                .contains("sequenceLength");
        assertThat(dead.get(4).reason).isEqualTo("invalid-model-command");
        // the scorers that failed warm-up or the spec check were closed at once
        assertThat(Fixtures.SCORERS.get(id).stream()
                        .filter(s -> !s.modelVersion().equals("1")))
                .hasSize(2)
                .allMatch(s -> s.closed);
    }

    @Test
    void shadowScoresEveryBatchAgainWithoutChangingThePrimaryPredictions() throws Exception {
        open(6);
        command(Kind.SHADOW, "7", "ok");
        runMailUntil(() -> op().shadowModel() != null);
        for (int i = 0; i < 9; i++) {
            send("s" + i, "u" + i % 4, 1 + i % 3);
        }
        h.endInput();
        assertScoredBy(out(), "1");
        assertThat(out()).hasSize(9);
        List<Prediction> shadow = shadowOut();
        assertThat(shadow)
                .extracting(p -> p.getRequestId().toString())
                .containsExactlyElementsOf(sent.stream().map(r -> r.requestId).toList());
        assertScoredBy(shadow, "7");
        command(Kind.STOP_SHADOW, null, null);
        send("s9", "u1", 2);
        h.endInput();
        assertThat(out()).hasSize(10);
        assertThat(shadowOut()).hasSize(9);
    }

    @Test
    void replacedSessionsCloseOnlyBetweenBatchesAndNoBatchIsScoredByAClosedOne() throws Exception {
        open(5);
        for (int v = 2; v <= 6; v++) {
            send("x" + v, "u" + v, 3); // buffered under the current model
            command(Kind.ACTIVATE, String.valueOf(v), "ok");
            int want = v;
            for (int i = 0; i < 4; i++) {
                send("y" + v + "-" + i, "u" + i, 2); // scored by the old model until the switch lands
            }
            runMailUntil(() -> activeVersion().equals(String.valueOf(want)));
        }
        h.endInput();
        List<Fixtures.FakeScorer> made = Fixtures.SCORERS.get(id);
        assertThat(made).hasSize(6);
        // v1..v3 fell out of the rollback history (active v6, previous v5, v4)
        assertThat(made.subList(0, 3)).allMatch(s -> s.closed);
        assertThat(made.subList(3, 6)).noneMatch(s -> s.closed);
        assertThat(out()).hasSize(sent.size());
        assertThat(out())
                .extracting(p -> p.getRequestId().toString())
                .containsExactlyElementsOf(sent.stream().map(r -> r.requestId).toList());
        // every prediction is what its model gives offline; the fake throws if a closed session scores
        for (Prediction p : out()) {
            assertThat(p.getCandidates())
                    .extracting(c -> c.getProbabilities())
                    .containsExactlyElementsOf(
                            offline(sentRequest(p), p.getModelVersion().toString()));
        }
    }

    @Test
    void aRestoreFromACheckpointServesTheSameActiveShadowAndRollbackHistory() throws Exception {
        open(100);
        command(Kind.ACTIVATE, "2", "ok");
        runMailUntil(() -> activeVersion().equals("2"));
        command(Kind.SHADOW, "3", "ok");
        runMailUntil(() -> op().shadowModel() != null);
        send("before", "u1", 2);
        h.prepareSnapshotPreBarrier(1);
        OperatorSubtaskState snapshot = h.snapshot(1, 1);
        h.close();

        h = harness(100);
        h.setProcessingTime(0);
        h.initializeState(snapshot);
        h.open();
        assertThat(activeVersion()).isEqualTo("2");
        assertThat(op().shadowModel().version()).isEqualTo("3");
        send("after", "u1", 2);
        h.endInput();
        assertScoredBy(out(), "2");
        assertScoredBy(shadowOut(), "3");
        command(Kind.ROLLBACK, null, null);
        assertThat(activeVersion()).isEqualTo("1");
    }
}
