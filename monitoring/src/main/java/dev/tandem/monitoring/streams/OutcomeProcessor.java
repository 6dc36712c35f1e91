package dev.tandem.monitoring.streams;

import static dev.tandem.monitoring.MonitoringNames.CLOCK_KEY;
import static dev.tandem.monitoring.MonitoringNames.CLOCK_STORE;
import static dev.tandem.monitoring.MonitoringNames.DRIFT_PROCESSOR;
import static dev.tandem.monitoring.MonitoringNames.GRADED_BATCHES;
import static dev.tandem.monitoring.MonitoringNames.OUTCOME_RECORDS;
import static dev.tandem.monitoring.MonitoringNames.PENDING_STORE;
import static dev.tandem.monitoring.MonitoringNames.TIMERS_STORE;

import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.features.validation.EventValidator;
import dev.tandem.monitoring.MonitoringTopics;
import dev.tandem.monitoring.core.GradedBatch;
import dev.tandem.monitoring.core.MetricKey;
import dev.tandem.monitoring.core.Outcome;
import dev.tandem.monitoring.core.OutcomeGrader;
import dev.tandem.monitoring.core.PendingPrediction;
import dev.tandem.monitoring.core.UserOutcomes;
import dev.tandem.monitoring.metrics.MonitoringMetrics;
import dev.tandem.monitoring.metrics.MonitoringMetrics.EventFate;
import dev.tandem.monitoring.metrics.MonitoringMetrics.PredictionFate;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.PredictionOutcome;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.topics.ForgetSignal;
import dev.tandem.schemas.topics.ProbeRequests;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.TreeSet;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thin adapter around {@link OutcomeGrader}: raw bytes of {@code events}, {@code predictions} and, when read,
 * {@code predictions-shadow} (one task per partition of them all, keyed by user; a shadow prediction is one of a
 * challenger version, graded exactly like the active version's and only flagged on its outcomes), each user's {@link UserOutcomes} read from and written back to the
 * {@code pending-outcomes} store (decoded; encoded once per commit, see {@link WriteBehindStore}), and out one {@link PredictionOutcome} per graded candidate, keyed by user, and one
 * {@link GradedBatch} per graded prediction, keyed by model version, for the figures.
 *
 * <ul>
 *   <li>An event advances the task's clock (its highest event time, kept in {@code outcome-clock}); a conversion
 *       is also kept in its user's state. When the clock moves, the users whose timer it passed (the
 *       {@code outcome-timers} index: a prediction due, a conversion expired) are graded and trimmed, so no scan
 *       of all users is ever needed.</li>
 *   <li>A prediction is graded at once when its horizon has passed on the clock, else kept.</li>
 *   <li>A wall-clock punctuator answers a {@link DrainSignal}, and reports per model version how far the clock
 *       trails the newest request time read (the label lag: events stalled while predictions come).</li>
 * </ul>
 * Records that are not our Avro, invalid events (the features app's rules) and predictions that cannot be graded
 * are counted and skipped: the features app dead-letters bad events already, and a prediction is the scorer's.
 * Outputs carry the wall-clock time as their timestamp: replayed logs are years old and would fall to retention.
 */
public final class OutcomeProcessor implements Processor<byte[], byte[], String, OutcomeOutput> {
    private static final Logger LOG = LoggerFactory.getLogger(OutcomeProcessor.class);
    private static final byte[] EMPTY = new byte[0];
    /** Users whose unchanged decoded state a task keeps in memory (least recently used out). */
    public static final int CACHED_USERS = 5_000;

    private final OutcomeGrader grader;
    private final MonitoringTopics topics;
    private final Deserializer<UserEvent> events;
    private final Deserializer<Prediction> predictions;
    private final EventValidator validator;
    private final MonitoringMetrics metrics;
    private final DrainSignal drain;
    private final Duration punctuateInterval;
    private final long horizonMs;

    private ProcessorContext<String, OutcomeOutput> context;
    private WriteBehindStore<String, UserOutcomes, byte[]> pending;
    private WriteBehindStore<Bytes, byte[], byte[]> timers;
    private WriteBehindStore<String, Long, Long> clockStore;
    private long clockMs = OutcomeGrader.NO_CLOCK;
    /**
     * The keys of {@code outcome-timers}, mirrored in memory in the same order (rebuilt from the store in
     * {@link #init}, after every restoration; kept in step by {@link #save}). The store stays the state; the mirror
     * only spares a store iterator per clock move.
     */
    private final NavigableSet<Bytes> timerIndex = new TreeSet<>();

    private long drainedEpoch;
    /** (model, version) → the newest request time read in this task, for the label lag. */
    private final Map<List<String>, Long> newestRequestMs = new HashMap<>();

    public OutcomeProcessor(
            OutcomeGrader grader,
            MonitoringTopics topics,
            Deserializer<UserEvent> events,
            Deserializer<Prediction> predictions,
            EventValidator validator,
            MonitoringMetrics metrics,
            DrainSignal drain,
            Duration punctuateInterval) {
        this.grader = Objects.requireNonNull(grader, "grader");
        this.topics = Objects.requireNonNull(topics, "topics");
        this.events = Objects.requireNonNull(events, "events");
        this.predictions = Objects.requireNonNull(predictions, "predictions");
        this.validator = Objects.requireNonNull(validator, "validator");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.drain = Objects.requireNonNull(drain, "drain");
        this.punctuateInterval = Objects.requireNonNull(punctuateInterval, "punctuateInterval");
        this.horizonMs = grader.funnel().horizon().toMillis();
    }

    @Override
    public void init(ProcessorContext<String, OutcomeOutput> context) {
        this.context = context;
        this.pending = context.getStateStore(PENDING_STORE);
        this.timers = context.getStateStore(TIMERS_STORE);
        this.clockStore = context.getStateStore(CLOCK_STORE);
        Long stored = clockStore.value(CLOCK_KEY);
        clockMs = stored == null ? OutcomeGrader.NO_CLOCK : stored;
        timerIndex.clear();
        timerIndex.addAll(timers.keys());
        // a drain requested before this task (re)started covers it too: its input was complete then
        drainedEpoch = 0;
        newestRequestMs.clear();
        context.schedule(punctuateInterval, PunctuationType.WALL_CLOCK_TIME, this::answerDrain);
        context.schedule(punctuateInterval, PunctuationType.WALL_CLOCK_TIME, this::reportLabelLag);
    }

    private void reportLabelLag(long wallClockMs) {
        String task = context.taskId().toString();
        newestRequestMs.forEach((mv, newest) -> metrics.labelLag(
                task,
                mv.get(0),
                mv.get(1),
                clockMs == OutcomeGrader.NO_CLOCK ? Double.NaN : Math.max(0, newest - clockMs)));
    }

    @Override
    public void close() {
        metrics.taskClosed(context.taskId().toString());
        newestRequestMs.clear();
        timerIndex.clear();
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        String topic = context.recordMetadata().map(RecordMetadata::topic).orElse(topics.events());
        if (topics.isPredictions(topic)) {
            // the challenger's predictions take the same path: same rules, same state, figures per version
            onPrediction(record, topic);
        } else {
            onEvent(record, topic);
        }
    }

    private void onEvent(Record<byte[], byte[]> record, String topic) {
        if (record.value() == null) {
            // a forget signal is acted on when the scoring job's predictions tombstone comes, after the user's last
            // prediction; here it is only not an invalid event
            metrics.event(ForgetSignal.isForget(record.headers()) ? EventFate.OTHER : EventFate.INVALID);
            return;
        }
        UserEvent event;
        try {
            event = events.deserialize(topic, record.headers(), record.value());
        } catch (RuntimeException e) {
            metrics.undecodable(topic);
            return;
        }
        BehaviourEvent e;
        try {
            String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
            validator.validate(key, event, context.currentSystemTimeMs());
            e = BehaviourEvent.of(event);
        } catch (RuntimeException ex) { // InvalidEventException, or a field the updater would refuse
            metrics.event(EventFate.INVALID);
            return;
        }
        if (grader.isConversion(e.action())) {
            boolean late = grader.late(e.eventTimeMs(), clockMs);
            UserOutcomes state = load(event.getUserId());
            if (grader.addConversion(state, e, clockMs)) {
                save(event.getUserId(), state);
                metrics.event(late ? EventFate.LATE : EventFate.CONVERSION);
            } else {
                metrics.event(EventFate.EXPIRED);
            }
        } else {
            metrics.event(EventFate.OTHER);
        }
        if (e.eventTimeMs() > clockMs) {
            clockMs = e.eventTimeMs();
            clockStore.write(CLOCK_KEY, clockMs);
            fireTimers();
        }
    }

    private void onPrediction(Record<byte[], byte[]> record, String topic) {
        if (record.value() == null && record.key() != null && ForgetSignal.isForget(record.headers())) {
            forget(new String(record.key(), StandardCharsets.UTF_8));
            return;
        }
        Prediction prediction;
        try {
            prediction =
                    record.value() == null ? null : predictions.deserialize(topic, record.headers(), record.value());
        } catch (RuntimeException e) {
            metrics.undecodable(topic);
            return;
        }
        if (prediction == null) {
            metrics.undecodable(topic);
            return;
        }
        if (ProbeRequests.isProbe(prediction.getRequestId())) {
            metrics.prediction(PredictionFate.PROBE);
            return;
        }
        // counted for drift as read, refused for grading or not: drift shows a horizon before the outcomes do
        context.forward(
                new Record<>(prediction.getUserId(), new OutcomeOutput.Read(prediction), record.timestamp()),
                DRIFT_PROCESSOR);
        String user = prediction.getUserId();
        PendingPrediction p;
        String refusal;
        try {
            p = AvroOutcomes.pending(prediction, topics.isShadow(topic));
            refusal = user == null || user.isBlank() ? "no user id" : grader.refusal(p);
        } catch (RuntimeException e) {
            p = null;
            refusal = e.toString();
        }
        if (refusal != null) {
            metrics.prediction(PredictionFate.REFUSED);
            LOG.debug("prediction {} not graded: {}", prediction.getRequestId(), refusal);
            return;
        }
        newestRequestMs.merge(List.of(p.modelName(), p.modelVersion()), p.requestTimeMs(), Math::max);
        UserOutcomes state = load(user);
        boolean tooLate = grader.expired(p.requestTimeMs(), clockMs);
        List<Outcome> now = grader.addPrediction(state, p, clockMs);
        metrics.prediction(
                now.isEmpty() ? PredictionFate.WAITING : tooLate ? PredictionFate.TOO_LATE : PredictionFate.GRADED);
        emit(user, now);
        save(user, state);
    }

    /**
     * Drops everything kept of the user: waiting predictions (never graded, so neither positives nor negatives in any
     * figure) and conversions, and the user's timer. The scoring job writes the tombstone after every prediction of the
     * user it scored before the forget, so none of them arrives later to be graded without the user's conversions.
     * Outcomes already emitted stay in {@code prediction-outcomes} and in the figures. The state holds the user's
     * shadow predictions too, so they go with it: the scoring job writes its forget tombstone to {@code predictions}
     * only. One on the shadow topic is obeyed all the same.
     */
    private void forget(String user) {
        UserOutcomes state = pending.value(user);
        if (state != null) {
            long armed = state.armedTimerMs();
            if (armed != Long.MAX_VALUE) {
                Bytes k = timerKey(armed, user);
                timers.remove(k);
                timerIndex.remove(k);
            }
            pending.remove(user);
        }
        metrics.prediction(PredictionFate.FORGOTTEN);
        LOG.debug("forgot user {}", user);
    }

    /** Grades and trims every user whose timer the clock has reached: only those are read. */
    private void fireTimers() {
        if (timerIndex.isEmpty() || timerTime(timerIndex.first()) > clockMs) return;
        List<Bytes> due = new ArrayList<>(timerIndex.headSet(timerKey(clockMs, null), true));
        for (Bytes k : due) {
            String user = timerUser(k);
            UserOutcomes state = pending.value(user);
            if (state == null) { // defensive: an index entry without a user
                timers.remove(k);
                timerIndex.remove(k);
                continue;
            }
            emit(user, grader.gradeDue(state, clockMs));
            grader.purge(state, clockMs);
            save(user, state);
        }
    }

    private void answerDrain(long wallClockMs) {
        DrainSignal.Request r = drain.current();
        if (r == null || r.epoch() <= drainedEpoch) return;
        List<String> users = pending.keys();
        int graded = 0;
        for (String user : users) {
            UserOutcomes state = pending.value(user);
            if (state == null || state.pending().isEmpty()) continue;
            List<Outcome> out = grader.drain(state, r.completeUntilMs());
            graded += out.size();
            emit(user, out);
            save(user, state);
        }
        drainedEpoch = r.epoch();
        drain.drained(context.taskId().toString(), r.epoch());
        LOG.info(
                "task {} drained {} outcomes (input complete until {})", context.taskId(), graded, r.completeUntilMs());
    }

    /** The user's state, empty if none; a change to it counts once {@link #save}d. */
    private UserOutcomes load(String user) {
        UserOutcomes state = pending.value(user);
        return state == null ? new UserOutcomes() : state;
    }

    /** Writes the user's state back and moves its timer in the index if its next time changed. */
    private void save(String user, UserOutcomes state) {
        long next = grader.nextTimerMs(state);
        long armed = state.armedTimerMs();
        if (next != armed) {
            if (armed != Long.MAX_VALUE) {
                Bytes k = timerKey(armed, user);
                timers.remove(k);
                timerIndex.remove(k);
            }
            if (next != Long.MAX_VALUE) {
                Bytes k = timerKey(next, user);
                timers.write(k, EMPTY);
                timerIndex.add(k);
            }
            state.armedTimerMs(next);
        }
        if (state.isEmpty()) {
            pending.remove(user);
        } else {
            pending.write(user, state);
        }
    }

    private void emit(String user, List<Outcome> outcomes) {
        if (outcomes.isEmpty()) return;
        long now = context.currentSystemTimeMs();
        int censored = 0;
        for (Outcome o : outcomes) {
            censored += o.censored() ? 1 : 0;
            context.forward(new Record<>(user, new OutcomeOutput.Record(user, o, horizonMs), now), OUTCOME_RECORDS);
        }
        for (GradedBatch b : GradedBatch.of(outcomes)) {
            context.forward(
                    new Record<>(MetricKey.modelKey(b.model(), b.version()), new OutcomeOutput.Batch(b), now),
                    GRADED_BATCHES);
        }
        if (censored > 0) metrics.outcomes(censored, true);
        if (censored < outcomes.size()) metrics.outcomes(outcomes.size() - censored, false);
    }

    // ------------------------------------------------------------------ timer index keys

    /**
     * 8 bytes of the time with its sign bit flipped (so unsigned byte order is numeric order), then the user id;
     * a null user gives the greatest key of that time (the inclusive end of a range).
     */
    static Bytes timerKey(long timeMs, String user) {
        byte[] u = user == null ? new byte[] {(byte) 0xff} : user.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + u.length);
        b.putLong(timeMs ^ Long.MIN_VALUE).put(u);
        byte[] a = b.array();
        if (user == null) Arrays.fill(a, 8, a.length, (byte) 0xff);
        return Bytes.wrap(a);
    }

    static long timerTime(Bytes key) {
        return ByteBuffer.wrap(key.get(), 0, 8).getLong() ^ Long.MIN_VALUE;
    }

    static String timerUser(Bytes key) {
        byte[] a = key.get();
        return new String(a, 8, a.length - 8, StandardCharsets.UTF_8);
    }
}
