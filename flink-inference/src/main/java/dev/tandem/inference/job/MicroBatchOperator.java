package dev.tandem.inference.job;

import dev.tandem.inference.core.BatchScorer;
import dev.tandem.inference.core.BatchScorerFactory;
import dev.tandem.inference.core.ControlSnapshot;
import dev.tandem.inference.core.DeadLetter;
import dev.tandem.inference.core.EncodedRequest;
import dev.tandem.inference.core.ModelCommand;
import dev.tandem.inference.core.ModelRef;
import dev.tandem.inference.core.PredictionAssembler;
import dev.tandem.model.features.EncodedBatch;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.topics.DeadLetterReason;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Meter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
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
 * <p><b>Model lifecycle.</b> Model commands arrive in stream order as control markers
 * ({@link EncodedRequest#control}, forwarded by the join). LOAD creates and warms up a scorer on a
 * loader thread, so scoring goes on meanwhile; the result comes back through the mailbox and is
 * installed on the task thread, so the hot path takes no lock. ACTIVATE and ROLLBACK flush the
 * buffered requests with the current model first (a switch happens at a batch boundary, and every
 * request is scored by the model active when it arrived); a replaced scorer stays open for
 * ROLLBACK ({@value #MAX_PREVIOUS} back) and is closed, on the task thread between batches, when
 * it falls out of that history. SHADOW scores every batch again with a second version and emits
 * to {@link #SHADOW_PREDICTIONS}. A model that cannot be created (spec mismatch, unreadable) or
 * warmed up is refused: the current one keeps serving, {@code modelRefusals} counts it, and the
 * command goes to {@link #MODEL_DEAD_LETTERS}. The control state is checkpointed in broadcast
 * state ({@link #CONTROL_STATE}), so a restore brings back the same active, previous and shadow models.
 */
public final class MicroBatchOperator extends AbstractStreamOperator<Prediction>
        implements OneInputStreamOperator<EncodedRequest, Prediction>, BoundedOneInput {
    private static final Logger LOG = LoggerFactory.getLogger(MicroBatchOperator.class);
    private static final long NO_TIMESTAMP = Long.MIN_VALUE;

    /** Predictions of the shadow model ({@code predictions-shadow}). */
    public static final OutputTag<Prediction> SHADOW_PREDICTIONS = new OutputTag<>("predictions-shadow", TypeInformation.of(Prediction.class));
    /** Refused model commands, with the original control record ({@code dead-letters}). */
    public static final OutputTag<DeadLetter> MODEL_DEAD_LETTERS = new OutputTag<>("model-dead-letters", TypeInformation.of(DeadLetter.class));
    public static final MapStateDescriptor<String, String> CONTROL_STATE = new MapStateDescriptor<>("model-control", Types.STRING, Types.STRING);
    private static final String CONTROL_KEY = "control";
    /** Versions kept loaded for ROLLBACK. */
    public static final int MAX_PREVIOUS = 2;

    private final BatchScorerFactory factory;
    private final int maxBatchRows;
    private final long maxWaitMs;

    private transient BatchScorer scorer;
    private transient EncodedBatch batch;
    private transient List<Pending> pending;
    private transient int pendingRows;
    private transient long firstArrivalMs;
    private transient boolean timerRegistered;

    // model lifecycle: touched only on the task thread (loader results arrive through the mailbox)
    private transient MailboxExecutor mailbox;
    private transient ExecutorService loader;
    private transient FeatureSpec batchSpec;
    private transient ModelRef active;
    private transient Deque<ModelRef> previous;
    private transient ModelRef shadow;
    private transient BatchScorer shadowScorer;
    private transient Map<String, BatchScorer> sessions;
    private transient Map<String, ModelRef> refs;
    private transient Map<String, ModelRef> loading;
    private transient Map<String, List<ModelCommand>> waiting;
    /** Scorers handed from the loader to the mailbox and not yet installed: closed by {@link #close} if never installed. */
    private transient Set<BatchScorer> handoff;
    private transient BroadcastState<String, String> controlState;
    private transient ControlSnapshot restored;

    private transient Histogram batchRowsHist;
    private transient Histogram modelMicrosHist;
    private transient Histogram queueMicrosHist;
    private transient Meter predictionsPerSecond;
    private transient Counter predictions;
    private transient Counter batches;
    private transient Counter swaps;
    private transient Counter refusals;
    private transient Counter shadowPredictions;
    private transient Histogram loadMillis;
    private transient Histogram warmUpMillis;

    private record Pending(EncodedRequest request, long timestamp, long arrivedNanos) {
    }

    public MicroBatchOperator(BatchScorerFactory factory, int maxBatchRows, Duration maxWait) {
        if (maxBatchRows < 1) {
            throw new IllegalArgumentException("maxBatchRows must be >= 1, was " + maxBatchRows);
        }
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait must be >= 0, was " + maxWait);
        }
        this.factory = factory;
        this.maxBatchRows = maxBatchRows;
        this.maxWaitMs = maxWait.toMillis();
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
        List<ModelRef> loaded = new ArrayList<>();
        for (ModelRef r : refs.values()) {
            if (!isReferenced(r)) {
                loaded.add(r);
            }
        }
        loaded.addAll(loading.values());
        List<ModelCommand> queued = new ArrayList<>();
        waiting.values().forEach(queued::addAll);
        controlState.clear();
        controlState.put(CONTROL_KEY, new ControlSnapshot(active, new ArrayList<>(previous), shadow, loaded, queued).toJson());
    }

    @Override
    public void open() throws Exception {
        super.open();
        pending = new ArrayList<>();
        var g = getMetricGroup();
        batchRowsHist = g.histogram(ScoringMetrics.BATCH_ROWS, new DescriptiveStatisticsHistogram(1024));
        modelMicrosHist = g.histogram(ScoringMetrics.MODEL_MICROS, new DescriptiveStatisticsHistogram(1024));
        queueMicrosHist = g.histogram(ScoringMetrics.QUEUE_MICROS, new DescriptiveStatisticsHistogram(1024));
        predictions = g.counter(ScoringMetrics.PREDICTIONS);
        batches = g.counter(ScoringMetrics.BATCHES);
        predictionsPerSecond = g.meter(ScoringMetrics.PREDICTIONS_PER_SECOND, new MeterView(predictions));
        swaps = g.counter(ScoringMetrics.MODEL_SWAPS);
        refusals = g.counter(ScoringMetrics.MODEL_REFUSALS);
        shadowPredictions = g.counter(ScoringMetrics.SHADOW_PREDICTIONS);
        loadMillis = g.histogram(ScoringMetrics.MODEL_LOAD_MILLIS, new DescriptiveStatisticsHistogram(64));
        warmUpMillis = g.histogram(ScoringMetrics.MODEL_WARM_UP_MILLIS, new DescriptiveStatisticsHistogram(64));
        g.gauge(ScoringMetrics.ACTIVE_MODEL_VERSION, (Gauge<String>) () -> active == null ? "" : active.key());

        previous = new ArrayDeque<>();
        sessions = new HashMap<>();
        refs = new LinkedHashMap<>();
        loading = new LinkedHashMap<>();
        waiting = new LinkedHashMap<>();
        handoff = ConcurrentHashMap.newKeySet();
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        loader = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "model-loader-" + getOperatorName() + "-" + subtask);
            t.setDaemon(true);
            return t;
        });

        BatchScorer initial = factory.create();
        ModelRef configured = new ModelRef(initial.modelName(), initial.modelVersion(), null);
        batchSpec = initial.spec();
        batch = new EncodedBatch(batchSpec, maxBatchRows);
        if (restored == null || restored.active() == null || restored.active().location() == null) {
            initial.warmUp(maxBatchRows);
            install(configured, initial);
            active = configured;
        } else {
            initial.close(); // the restored state names another active model
        }
        if (restored != null) {
            restore(restored, configured);
        }
        scorer = sessions.get(active.key());
        LOG.info("scoring with {} (subtask {})", active, subtask);
    }

    /** Loads what the checkpoint had loaded, here on the task thread: the job does not start scoring before it serves the same model again. */
    private void restore(ControlSnapshot s, ModelRef configured) {
        if (active == null) {
            BatchScorer a = loadNow(s.active());
            if (a == null) {
                LOG.error("the restored active model {} cannot be loaded; serving the configured model {}", s.active(), configured);
                try {
                    BatchScorer c = factory.create();
                    c.warmUp(maxBatchRows);
                    install(configured, c);
                    active = configured;
                } catch (Exception e) {
                    throw new IllegalStateException("neither the restored model " + s.active() + " nor the configured one can be loaded", e);
                }
            } else {
                install(s.active(), a);
                active = s.active();
            }
        }
        for (ModelRef p : s.previous()) {
            if (sessions.containsKey(p.key()) || ensureLoadedNow(p)) {
                previous.addLast(p);
            }
        }
        if (s.shadow() != null && (sessions.containsKey(s.shadow().key()) || ensureLoadedNow(s.shadow()))) {
            shadow = s.shadow();
            shadowScorer = sessions.get(shadow.key());
        }
        for (ModelRef r : s.loaded()) {
            if (!sessions.containsKey(r.key())) {
                ensureLoadedNow(r);
            }
        }
        for (ModelCommand c : s.pending()) {
            handle(c);
        }
    }

    private boolean ensureLoadedNow(ModelRef r) {
        BatchScorer b = loadNow(r);
        if (b != null) {
            install(r, b);
        }
        return b != null;
    }

    private BatchScorer loadNow(ModelRef r) {
        BatchScorer b = null;
        try {
            b = r.location() == null ? factory.create() : factory.create(r);
            batchSpec.requireCanProduce(b.spec());
            b.warmUp(maxBatchRows);
            return b;
        } catch (Exception e) {
            refusals.inc();
            LOG.error("model {} from the checkpoint cannot be loaded again: {}", r, e.toString());
            if (b != null) {
                closeQuietly(b);
            }
            return null;
        }
    }

    private void install(ModelRef ref, BatchScorer s) {
        BatchScorer old = sessions.put(ref.key(), s);
        refs.put(ref.key(), ref);
        if (old != null && old != s) {
            closeQuietly(old);
        }
    }

    @Override
    public void processElement(StreamRecord<EncodedRequest> element) throws Exception {
        EncodedRequest r = element.getValue();
        if (r.control != null) {
            handle(r.control);
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

    // ------------------------------------------------------------------ model lifecycle (task thread)

    private void handle(ModelCommand c) {
        LOG.info("model command {}", c);
        switch (c.kind) {
            case LOAD -> {
                ModelRef ref = c.model();
                if (sessions.containsKey(ref.key()) || loading.containsKey(ref.key())) {
                    LOG.info("{} is already loaded or loading; LOAD ignored", ref.key()); // one version, one session
                } else {
                    startLoad(ref, c);
                }
            }
            case ACTIVATE, SHADOW -> {
                ModelRef ref = c.model();
                String key = ref.key();
                if (sessions.containsKey(key)) {
                    if (c.kind == ModelCommand.Kind.ACTIVATE) {
                        activate(refs.get(key));
                    } else {
                        shadow = refs.get(key);
                        shadowScorer = sessions.get(key);
                    }
                } else if (loading.containsKey(key)) {
                    waiting.computeIfAbsent(key, k -> new ArrayList<>()).add(c);
                } else if (c.location != null && !c.location.isBlank()) {
                    startLoad(ref, c);
                    waiting.computeIfAbsent(key, k -> new ArrayList<>()).add(c);
                } else {
                    reject(c, DeadLetterReason.INVALID_MODEL_COMMAND,
                            new IllegalStateException(c.kind + " of " + key + ", which is not loaded and has no location"));
                }
            }
            case ROLLBACK -> {
                if (previous.isEmpty()) {
                    reject(c, DeadLetterReason.INVALID_MODEL_COMMAND, new IllegalStateException("ROLLBACK with no previous model (active " + active + ")"));
                    return;
                }
                flush();
                ModelRef from = active;
                active = previous.pop();
                scorer = sessions.get(active.key());
                swaps.inc();
                LOG.info("rolled back from {} to {}", from, active);
                release(from);
            }
            case STOP_SHADOW -> {
                ModelRef was = shadow;
                shadow = null;
                shadowScorer = null;
                if (was != null) {
                    release(was);
                }
            }
        }
    }

    /** Switches at a batch boundary: what is buffered was requested under the current model and is scored by it. */
    private void activate(ModelRef ref) {
        if (ref.key().equals(active.key())) {
            return;
        }
        flush();
        ModelRef from = active;
        previous.removeIf(p -> p.key().equals(ref.key()));
        previous.push(from);
        active = ref;
        scorer = sessions.get(ref.key());
        swaps.inc();
        LOG.info("activated {} (was {})", ref, from);
        while (previous.size() > MAX_PREVIOUS) {
            release(previous.removeLast());
        }
    }

    private boolean isReferenced(ModelRef r) {
        String k = r.key();
        return k.equals(active.key()) || (shadow != null && k.equals(shadow.key())) || previous.stream().anyMatch(p -> p.key().equals(k));
    }

    /** Closes a version nothing serves or can roll back to; on the task thread, so no batch is in flight on it. */
    private void release(ModelRef r) {
        if (isReferenced(r)) {
            return;
        }
        refs.remove(r.key());
        BatchScorer s = sessions.remove(r.key());
        if (s != null) {
            LOG.info("closing model {}", r);
            closeQuietly(s);
        }
    }

    private void startLoad(ModelRef ref, ModelCommand trigger) {
        loading.put(ref.key(), ref);
        BatchScorerFactory f = factory;
        FeatureSpec want = batchSpec;
        int rows = maxBatchRows;
        MailboxExecutor mb = mailbox;
        loader.execute(() -> {
            BatchScorer s = null;
            try {
                long t0 = System.nanoTime();
                s = f.create(ref);
                want.requireCanProduce(s.spec());
                long t1 = System.nanoTime();
                s.warmUp(rows);
                long t2 = System.nanoTime();
                BatchScorer ready = s;
                handoff.add(ready);
                mb.execute(() -> onLoaded(ref, ready, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000), "model %s loaded", ref.key());
            } catch (Throwable e) {
                if (s != null) {
                    handoff.remove(s);
                    closeQuietly(s);
                }
                try {
                    mb.execute(() -> onRefused(ref, trigger, e), "model %s refused", ref.key());
                } catch (RuntimeException closing) {
                    LOG.warn("model {} refused while the task is closing: {}", ref, e.toString());
                }
            }
        });
    }

    private void onLoaded(ModelRef ref, BatchScorer s, long loadMs, long warmMs) {
        handoff.remove(s);
        loading.remove(ref.key());
        install(ref, s);
        loadMillis.update(loadMs);
        warmUpMillis.update(warmMs);
        LOG.info("loaded {} in {} ms, warmed up in {} ms", ref, loadMs, warmMs);
        List<ModelCommand> queued = waiting.remove(ref.key());
        if (queued != null) {
            queued.forEach(this::handle);
        }
    }

    private void onRefused(ModelRef ref, ModelCommand trigger, Throwable error) {
        loading.remove(ref.key());
        Map<ModelCommand, Boolean> refused = new IdentityHashMap<>();
        refused.put(trigger, true);
        List<ModelCommand> queued = waiting.remove(ref.key());
        if (queued != null) {
            queued.forEach(c -> refused.put(c, true));
        }
        LOG.error("refused model {}: {}; still serving {}", ref, error.toString(), active);
        for (ModelCommand c : refused.keySet()) {
            reject(c, DeadLetterReason.MODEL_REFUSED, error);
        }
    }

    private void reject(ModelCommand c, DeadLetterReason reason, Throwable error) {
        refusals.inc();
        LOG.warn("model command {} refused ({}): {}", c, reason.code(), error.toString());
        if (c.source == null) {
            return; // re-issued from a checkpoint: its record was dead-lettered or applied before
        }
        DeadLetter d = DeadLetter.of(c.source, reason, error, "scoring subtask " + getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() + ": " + c);
        output.collect(MODEL_DEAD_LETTERS, new StreamRecord<>(d));
    }

    // ------------------------------------------------------------------ batching

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

    /** Scores everything buffered with one model call and emits the predictions in arrival order. */
    private void flush() {
        if (pending.isEmpty()) {
            return;
        }
        int rows = pendingRows;
        if (rows > batch.capacity()) {
            batch = new EncodedBatch(batchSpec, rows); // one request larger than maxBatchRows
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
            throw new IllegalStateException("scorer returned " + probs.length + " probabilities for " + rows + " rows × " + k + " stages");
        }
        long end = System.nanoTime();
        long modelMicros = (end - start) / 1_000;
        long scoredAt = getProcessingTimeService().getCurrentProcessingTime();
        row = 0;
        for (Pending p : pending) {
            long queueMicros = (start - p.arrivedNanos()) / 1_000;
            Prediction pred = PredictionAssembler.assemble(p.request(), probs, row, scorer.stages(), scorer.modelName(), scorer.modelVersion(),
                    scoredAt, queueMicros, modelMicros, rows);
            output.collect(p.timestamp() == NO_TIMESTAMP ? new StreamRecord<>(pred) : new StreamRecord<>(pred, p.timestamp()));
            queueMicrosHist.update(queueMicros);
            row += p.request().candidates();
        }
        if (rows > 0) {
            batches.inc();
            batchRowsHist.update(rows);
            modelMicrosHist.update(modelMicros);
            predictions.inc(rows);
            if (shadowScorer != null) {
                scoreShadow(rows, start);
            }
        }
        pending.clear();
        pendingRows = 0;
    }

    /** The same rows again with the shadow model, after the primary predictions are out (the batch buffer is only read). */
    private void scoreShadow(int rows, long queuedUntil) {
        BatchScorer s = shadowScorer;
        long start = System.nanoTime();
        float[] probs;
        try {
            probs = s.score(batch);
            if (probs.length != rows * s.stages().size()) {
                throw new IllegalStateException("shadow scorer returned " + probs.length + " probabilities for " + rows + " rows");
            }
        } catch (RuntimeException e) {
            LOG.error("shadow model {} failed on a batch; shadowing stopped: {}", shadow, e.toString());
            refusals.inc();
            ModelRef was = shadow;
            shadow = null;
            shadowScorer = null;
            release(was);
            return;
        }
        long modelMicros = (System.nanoTime() - start) / 1_000;
        long scoredAt = getProcessingTimeService().getCurrentProcessingTime();
        int row = 0;
        for (Pending p : pending) {
            Prediction pred = PredictionAssembler.assemble(p.request(), probs, row, s.stages(), s.modelName(), s.modelVersion(),
                    scoredAt, (queuedUntil - p.arrivedNanos()) / 1_000, modelMicros, rows);
            output.collect(SHADOW_PREDICTIONS, p.timestamp() == NO_TIMESTAMP ? new StreamRecord<>(pred) : new StreamRecord<>(pred, p.timestamp()));
            row += p.request().candidates();
        }
        shadowPredictions.inc(rows);
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
            if (loader != null) {
                loader.shutdownNow();
                if (!loader.awaitTermination(30, TimeUnit.SECONDS)) {
                    LOG.warn("a model load is still running after 30 s; its session leaks until it ends");
                }
            }
            if (sessions != null) {
                sessions.values().forEach(MicroBatchOperator::closeQuietly);
                sessions.clear();
            }
            if (handoff != null) {
                handoff.forEach(MicroBatchOperator::closeQuietly);
                handoff.clear();
            }
            scorer = null;
            shadowScorer = null;
        } finally {
            super.close();
        }
    }

    private static void closeQuietly(BatchScorer s) {
        try {
            s.close();
        } catch (RuntimeException e) {
            LOG.warn("closing a scorer failed: {}", e.toString());
        }
    }

    /** For tests and metrics reporters: candidates per second over the meter's window. */
    double predictionsRate() {
        return predictionsPerSecond.getRate();
    }

    /** For tests: the active model version. */
    ModelRef activeModel() {
        return active;
    }

    /** For tests: whether {@code name/version} is loaded (warmed up, ready to serve). */
    boolean isLoaded(String key) {
        return sessions.containsKey(key);
    }

    /** For tests: the shadow model version, or null. */
    ModelRef shadowModel() {
        return shadow;
    }
}
