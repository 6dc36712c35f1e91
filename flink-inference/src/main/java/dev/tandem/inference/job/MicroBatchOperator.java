package dev.tandem.inference.job;

import dev.tandem.inference.core.BatchScorer;
import dev.tandem.inference.core.BatchScorerFactory;
import dev.tandem.inference.core.ControlSnapshot;
import dev.tandem.inference.core.DeadLetter;
import dev.tandem.inference.core.EncodedRequest;
import dev.tandem.inference.core.ModelLifecycle;
import dev.tandem.inference.core.ModelRef;
import dev.tandem.inference.core.PredictionAssembler;
import dev.tandem.inference.core.RawRecord;
import dev.tandem.inference.core.RequestDeadline;
import dev.tandem.model.features.EncodedBatch;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.topics.DeadLetterReason;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects encoded requests across keys until {@code maxBatchRows} candidates or {@code maxWait}
 * (a processing-time timer from the first buffered request), then scores them with ONE
 * {@link BatchScorer#score} call and emits one {@link Prediction} per request, in arrival order.
 * Never blocks per record: the task thread only copies rows, and scores when a batch is due, so a
 * slow model backpressures the sources. Nothing is held across a checkpoint barrier
 * ({@link #prepareSnapshotPreBarrier} flushes), a watermark (flushed before it is forwarded) or the
 * end of input. One scorer (session) per subtask and model version.
 *
 * <p><b>Deadline.</b> With a {@link RequestDeadline}, each flush first takes out the buffered requests that are
 * past it at that moment (processing time minus {@code request_time}): they are not scored but go to
 * {@link #DEAD_LETTERS} ({@code deadline}, the request's original bytes) and count in
 * {@link ScoringMetrics#REQUESTS_PAST_DEADLINE}. Checked when the request's turn comes, not when it arrives,
 * so the wait for the batch counts too, and a backlog costs no model time for answers nobody waits for.
 *
 * <p><b>Model lifecycle.</b> Model commands arrive in stream order as control markers
 * ({@link EncodedRequest#control}, forwarded by the join) and go to this subtask's
 * {@link ModelLifecycle}, which loads versions on its own thread and hands them back through the
 * mailbox, so the hot path takes no lock. Before it switches the active version it has this operator
 * flush (a switch happens at a batch boundary, and every request is scored by the model active when
 * it arrived). The shadow version, if any, scores every batch again and emits to
 * {@link #SHADOW_PREDICTIONS}; refused commands go to {@link #DEAD_LETTERS}. The lifecycle's
 * {@link ModelLifecycle#snapshot} is checkpointed in broadcast state ({@link #CONTROL_STATE}), so a
 * restore brings back the same active, previous and shadow models. Metrics: {@link ScoringMetrics}.
 */
public final class MicroBatchOperator extends AbstractStreamOperator<Prediction>
        implements OneInputStreamOperator<EncodedRequest, Prediction>, BoundedOneInput {
    private static final Logger LOG = LoggerFactory.getLogger(MicroBatchOperator.class);
    private static final long NO_TIMESTAMP = Long.MIN_VALUE;

    /** Predictions of the shadow model ({@code predictions-shadow}). */
    public static final OutputTag<Prediction> SHADOW_PREDICTIONS =
            new OutputTag<>("predictions-shadow", TypeInformation.of(Prediction.class));
    /** Refused model commands and requests past their deadline, with the original record ({@code dead-letters}). */
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("batcher-dead-letters", TypeInformation.of(DeadLetter.class));

    public static final MapStateDescriptor<String, String> CONTROL_STATE =
            new MapStateDescriptor<>("model-control", Types.STRING, Types.STRING);
    private static final String CONTROL_KEY = "control";

    private final BatchScorerFactory factory;
    private final int maxBatchRows;
    private final long maxWaitMs;
    private final RequestDeadline deadline;

    private transient EncodedBatch batch;
    /** The spec's {@code user_dense} names whose drift is watched ({@code Prediction.user_inputs}). */
    private transient String[] userInputNames;

    private transient List<Pending> pending;
    private transient int pendingRows;
    private transient long firstArrivalMs;
    private transient boolean timerRegistered;

    private transient MailboxExecutor mailbox;
    private transient ModelLifecycle models;
    private transient BroadcastState<String, String> controlState;
    private transient ControlSnapshot restored;
    private transient ScoringMetrics metrics;

    private record Pending(EncodedRequest request, long timestamp, long arrivedNanos) {}

    public MicroBatchOperator(BatchScorerFactory factory, int maxBatchRows, Duration maxWait) {
        this(factory, maxBatchRows, maxWait, RequestDeadline.NONE);
    }

    /** @param deadline requests past it when their batch is due are dead-lettered instead of scored */
    public MicroBatchOperator(
            BatchScorerFactory factory, int maxBatchRows, Duration maxWait, RequestDeadline deadline) {
        if (maxBatchRows < 1) {
            throw new IllegalArgumentException("maxBatchRows must be >= 1, was " + maxBatchRows);
        }
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait must be >= 0, was " + maxWait);
        }
        this.factory = factory;
        this.maxBatchRows = maxBatchRows;
        this.maxWaitMs = maxWait.toMillis();
        this.deadline = Objects.requireNonNull(deadline, "deadline");
    }

    @Override
    public void setMailboxExecutor(MailboxExecutor mailboxExecutor) {
        super.setMailboxExecutor(mailboxExecutor);
        this.mailbox = mailboxExecutor;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        controlState = context.getOperatorStateStore().getBroadcastState(CONTROL_STATE);
        String json = context.isRestored() ? controlState.get(CONTROL_KEY) : null;
        restored = json == null ? null : ControlSnapshot.fromJson(json);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        controlState.clear();
        controlState.put(CONTROL_KEY, models.snapshot().toJson());
    }

    @Override
    public void open() throws Exception {
        super.open();
        pending = new ArrayList<>();
        metrics = new ScoringMetrics(
                getMetricGroup(),
                () -> models == null || models.active() == null
                        ? ""
                        : models.active().key());
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        MailboxExecutor mb = mailbox;
        models = new ModelLifecycle(
                factory,
                maxBatchRows,
                "scoring subtask " + subtask,
                "model-loader-" + getOperatorName() + "-" + subtask,
                r -> mb.execute(r::run, "model-control"),
                metrics,
                this::flush,
                d -> output.collect(DEAD_LETTERS, new StreamRecord<>(d)));
        models.open(restored);
        batch = new EncodedBatch(models.spec(), maxBatchRows);
        userInputNames = models.spec().userInputNames();
        LOG.info("scoring with {} (subtask {})", models.active(), subtask);
    }

    @Override
    public void processElement(StreamRecord<EncodedRequest> element) throws Exception {
        EncodedRequest r = element.getValue();
        if (r.control != null) {
            models.handle(r.control);
            return;
        }
        if (r.forget) {
            // the user's buffered requests are scored and emitted first, so the tombstone is the user's last record
            flush();
            output.collect(new StreamRecord<>(PredictionAssembler.forget(
                    r.userId, getProcessingTimeService().getCurrentProcessingTime())));
            return;
        }
        int n = r.candidates();
        if (pendingRows > 0 && pendingRows + n > maxBatchRows) {
            flush();
        }
        if (pending.isEmpty()) {
            firstArrivalMs = getProcessingTimeService().getCurrentProcessingTime();
        }
        pending.add(new Pending(r, element.hasTimestamp() ? element.getTimestamp() : NO_TIMESTAMP, System.nanoTime()));
        pendingRows += n;
        if (pendingRows >= maxBatchRows || maxWaitMs == 0) {
            flush();
        } else if (!timerRegistered) {
            timerRegistered = true;
            getProcessingTimeService().registerTimer(firstArrivalMs + maxWaitMs, this::onTimer);
        }
    }

    private void onTimer(long time) throws Exception {
        timerRegistered = false;
        if (pending.isEmpty()) {
            return;
        }
        long due = firstArrivalMs + maxWaitMs;
        if (due <= time) {
            flush();
        } else {
            timerRegistered = true;
            getProcessingTimeService().registerTimer(due, this::onTimer);
        }
    }

    /** Scores everything buffered with one call of the active model and emits the predictions in arrival order. */
    private void flush() {
        if (deadline.enabled()) {
            shedPastDeadline(getProcessingTimeService().getCurrentProcessingTime());
        }
        if (pending.isEmpty()) {
            return;
        }
        BatchScorer scorer = models.scorer();
        int rows = pendingRows;
        if (rows > batch.capacity()) {
            batch = new EncodedBatch(models.spec(), rows); // one request larger than maxBatchRows
        }
        long start = System.nanoTime();
        int row = 0;
        for (Pending p : pending) {
            p.request().writeRows(batch, row);
            row += p.request().candidates();
        }
        batch.setRows(rows);
        int k = scorer.stages().size();
        float[] probs = rows == 0 ? new float[0] : scorer.score(batch);
        if (probs.length != rows * k) {
            throw new IllegalStateException(
                    "scorer returned " + probs.length + " probabilities for " + rows + " rows × " + k + " stages");
        }
        long end = System.nanoTime();
        long modelMicros = (end - start) / 1_000;
        long scoredAt = getProcessingTimeService().getCurrentProcessingTime();
        row = 0;
        for (Pending p : pending) {
            long queueMicros = (start - p.arrivedNanos()) / 1_000;
            Prediction pred = PredictionAssembler.assemble(
                    p.request(),
                    probs,
                    row,
                    scorer.stages(),
                    scorer.modelName(),
                    scorer.modelVersion(),
                    scoredAt,
                    queueMicros,
                    modelMicros,
                    rows);
            pred.setUserInputs(PredictionAssembler.userInputs(userInputNames, p.request().userDense));
            output.collect(
                    p.timestamp() == NO_TIMESTAMP ? new StreamRecord<>(pred) : new StreamRecord<>(pred, p.timestamp()));
            metrics.queued(queueMicros);
            row += p.request().candidates();
        }
        if (rows > 0) {
            metrics.batchScored(rows, modelMicros);
            BatchScorer shadow = models.shadowScorer();
            if (shadow != null) {
                scoreShadow(shadow, rows, start);
            }
        }
        pending.clear();
        pendingRows = 0;
    }

    /** Takes the requests past the deadline at {@code nowMs} out of the buffer, to the dead letters; the rest keep their order. */
    private void shedPastDeadline(long nowMs) {
        int kept = 0;
        for (int i = 0; i < pending.size(); i++) {
            Pending p = pending.get(i);
            EncodedRequest r = p.request();
            if (deadline.isPast(r.requestTimeMs, nowMs)) {
                pendingRows -= r.candidates();
                RawRecord source = r.source != null
                        ? r.source
                        : RawRecord.of(null, -1, -1, p.timestamp(), r.userId.getBytes(StandardCharsets.UTF_8), null);
                output.collect(
                        DEAD_LETTERS,
                        new StreamRecord<>(DeadLetter.of(
                                source,
                                DeadLetterReason.DEADLINE,
                                deadline.refusal(r.requestId, r.requestTimeMs, nowMs))));
                metrics.pastDeadline();
            } else {
                pending.set(kept++, p);
            }
        }
        pending.subList(kept, pending.size()).clear();
    }

    /** The same rows again with the shadow model, after the primary predictions are out (the batch buffer is only read). */
    private void scoreShadow(BatchScorer s, int rows, long queuedUntil) {
        long start = System.nanoTime();
        float[] probs;
        try {
            probs = s.score(batch);
            if (probs.length != rows * s.stages().size()) {
                throw new IllegalStateException(
                        "shadow scorer returned " + probs.length + " probabilities for " + rows + " rows");
            }
        } catch (RuntimeException e) {
            models.shadowFailed(e);
            return;
        }
        long modelMicros = (System.nanoTime() - start) / 1_000;
        long scoredAt = getProcessingTimeService().getCurrentProcessingTime();
        int row = 0;
        for (Pending p : pending) {
            Prediction pred = PredictionAssembler.assemble(
                    p.request(),
                    probs,
                    row,
                    s.stages(),
                    s.modelName(),
                    s.modelVersion(),
                    scoredAt,
                    (queuedUntil - p.arrivedNanos()) / 1_000,
                    modelMicros,
                    rows);
            pred.setUserInputs(PredictionAssembler.userInputs(userInputNames, p.request().userDense));
            output.collect(
                    SHADOW_PREDICTIONS,
                    p.timestamp() == NO_TIMESTAMP ? new StreamRecord<>(pred) : new StreamRecord<>(pred, p.timestamp()));
            row += p.request().candidates();
        }
        metrics.shadowScored(rows);
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        flush();
        super.processWatermark(mark);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        flush();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void endInput() {
        flush();
    }

    @Override
    public void finish() throws Exception {
        flush();
        super.finish();
    }

    @Override
    public void close() throws Exception {
        try {
            if (models != null) {
                models.close();
            }
        } finally {
            super.close();
        }
    }

    /** For tests and metrics reporters: candidates per second over the meter's window. */
    double predictionsRate() {
        return metrics.predictionsRate();
    }

    /** For tests: the active model version. */
    ModelRef activeModel() {
        return models.active();
    }

    /** For tests: whether {@code name/version} is loaded (warmed up, ready to serve). */
    boolean isLoaded(String key) {
        return models.isLoaded(key);
    }

    /** For tests: the shadow model version, or null. */
    ModelRef shadowModel() {
        return models.shadow();
    }
}
