package dev.tandem.features.streams;

import static dev.tandem.features.FeatureNames.USER_SEQUENCES_STORE;

import dev.tandem.features.FeatureTopology;
import dev.tandem.features.metrics.FeatureMetrics;
import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.features.sequence.BehaviourSequence;
import dev.tandem.features.sequence.ItemStats;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.features.sequence.SequenceUpdater;
import dev.tandem.features.sequence.UpdateOutcome;
import dev.tandem.features.validation.EventValidator;
import dev.tandem.features.validation.InvalidEventException;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.topics.DeadLetterHeaders;
import dev.tandem.schemas.topics.DeadLetterReason;
import dev.tandem.schemas.topics.ForgetSignal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thin adapter around {@link SequenceUpdater}: raw bytes of the events topic in (so a record that
 * fails to deserialize still has its original bytes), the user's {@link BehaviourSequence} read from and
 * written back to the {@code user-sequences} store, and out:
 * <ul>
 *   <li>{@link Routed.Features} of the user on every ACCEPTED event (DUPLICATE and LATE only update the
 *       stored counts and the metrics);</li>
 *   <li>{@link Routed.Item} for accepted views, carts and purchases, keyed by item id;</li>
 *   <li>{@link Routed.Exposure} for accepted views when score on exposure is on ({@link ExposureRequests}), keyed by
 *       user id, after the view's features;</li>
 *   <li>{@link Routed.DeadLetter} with the original key and value bytes and {@code tandem.dlq.*} headers
 *       for records that cannot be read or break a rule of {@link EventValidator}.</li>
 * </ul>
 * A wall-clock punctuator deletes users idle longer than the TTL and emits a tombstone for each. A null value with the
 * {@link ForgetSignal} header deletes its key's user the same way, the tombstone carrying that header on; a null value
 * without it is a dead letter.
 *
 * <p><b>Decoded-sequence cache.</b> Decoding a warm sequence from its bytes (rebuilding the remembered-id set,
 * the counters, the arrays) costs several microseconds, more than the update itself. The processor keeps the
 * decoded sequences of the last {@code cachedUsers} users of its task (LRU) and still writes every update to
 * the store (so the changelog, restoration and interactive queries are unchanged). The cache is only a copy of
 * what this processor last wrote: it is emptied in {@link #init} and {@link #close} — which Kafka Streams calls
 * around every restoration, revival of a corrupted task (an aborted exactly-once transaction wipes and restores
 * the store) and suspension — and an entry is dropped when its user is expired or its update fails.
 */
public final class UserSequenceProcessor implements Processor<byte[], byte[], Object, Routed> {
    private static final Logger LOG = LoggerFactory.getLogger(UserSequenceProcessor.class);

    private final SequencePolicy policy;
    private final Deserializer<UserEvent> deserializer;
    private final EventValidator validator;
    private final String defaultTopic;
    private final Duration ttl;
    private final Duration ttlScanInterval;
    private final TtlClock ttlClock;
    private final FeatureMetrics metrics;
    private final int cachedUsers;
    private final Map<String, BehaviourSequence> decoded;
    private final UserFeaturesWriter featuresWriter;
    private final boolean itemEvents;
    private final ExposureRequests exposures;

    private ProcessorContext<Object, Routed> context;
    private KeyValueStore<String, byte[]> store;
    /** Highest accepted event time of this task since it started; Long.MIN_VALUE until the first. */
    private long maxEventTimeMs = Long.MIN_VALUE;

    /**
     * One processor per task. {@code options} give the TTL, its scan interval and clock, the decoded-sequence cache
     * size and whether accepted views, carts and purchases are forwarded to the item path; {@code featuresWriter} is
     * this processor's own, writing the {@code user-features} values; {@code exposures} this processor's own too, or
     * null when score on exposure is off.
     */
    public UserSequenceProcessor(
            SequencePolicy policy,
            Deserializer<UserEvent> deserializer,
            EventValidator validator,
            String defaultTopic,
            FeatureTopology.Options options,
            FeatureMetrics metrics,
            UserFeaturesWriter featuresWriter,
            ExposureRequests exposures) {
        Duration ttl = options.userTtl();
        Duration ttlScanInterval = options.ttlScanInterval();
        TtlClock ttlClock = options.ttlClock();
        int cachedUsers = options.cachedUsersPerTask();
        boolean itemEvents = options.itemStats();
        this.itemEvents = itemEvents;
        this.exposures = exposures;
        this.featuresWriter = Objects.requireNonNull(featuresWriter, "featuresWriter");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.deserializer = Objects.requireNonNull(deserializer, "deserializer");
        this.validator = Objects.requireNonNull(validator, "validator");
        this.defaultTopic = Objects.requireNonNull(defaultTopic, "defaultTopic");
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.ttlScanInterval = Objects.requireNonNull(ttlScanInterval, "ttlScanInterval");
        this.ttlClock = Objects.requireNonNull(ttlClock, "ttlClock");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        if (cachedUsers < 0) throw new IllegalArgumentException("cachedUsers must not be negative");
        this.cachedUsers = cachedUsers;
        this.decoded = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, BehaviourSequence> eldest) {
                return size() > UserSequenceProcessor.this.cachedUsers;
            }
        };
    }

    @Override
    public void init(ProcessorContext<Object, Routed> context) {
        this.context = context;
        this.store = context.getStateStore(USER_SEQUENCES_STORE);
        decoded.clear(); // a (re)initialised task: the store may have been restored or wiped
        if (exposures != null) exposures.init(context);
        if (!ttl.isZero()) {
            context.schedule(ttlScanInterval, PunctuationType.WALL_CLOCK_TIME, this::expireIdleUsers);
        }
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        String topic = context.recordMetadata().map(RecordMetadata::topic).orElse(defaultTopic);
        if (record.value() == null) {
            if (ForgetSignal.isForget(record.headers())) {
                forget(record);
                return;
            }
            deadLetter(
                    record,
                    DeadLetterReason.NULL_VALUE,
                    new InvalidEventException(
                            DeadLetterReason.NULL_VALUE, "null value (tombstone) on the events topic"));
            return;
        }
        UserEvent event;
        try {
            event = deserializer.deserialize(topic, record.headers(), record.value());
        } catch (RuntimeException e) {
            deadLetter(record, DeadLetterReason.DESERIALIZATION, e);
            return;
        }
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        BehaviourEvent behaviour;
        try {
            validator.validate(key, event, context.currentSystemTimeMs());
            behaviour = BehaviourEvent.of(event);
        } catch (InvalidEventException e) {
            deadLetter(record, e.reason(), e);
            return;
        } catch (RuntimeException e) {
            deadLetter(record, DeadLetterReason.INVALID_EVENT, e);
            return;
        }
        String user = event.getUserId();
        BehaviourSequence seq = cachedUsers == 0 ? null : decoded.get(user);
        if (seq == null) {
            byte[] stored = store.get(user);
            seq = stored == null ? new BehaviourSequence(policy) : BehaviourSequence.decode(stored, policy);
        }
        // the state the view finds, projected before the update changes it in place
        UserFeatures before =
                exposures != null && ExposureRequests.asks(behaviour.action()) ? seq.toUserFeatures(user) : null;
        UpdateOutcome outcome;
        try {
            outcome = SequenceUpdater.apply(seq, behaviour);
        } catch (IllegalArgumentException e) {
            decoded.remove(user); // the store still has the last good state
            deadLetter(record, DeadLetterReason.INVALID_EVENT, e);
            return;
        }
        store.put(user, seq.encode());
        if (cachedUsers > 0) decoded.put(user, seq);
        metrics.event(outcome);
        if (outcome != UpdateOutcome.ACCEPTED) {
            return;
        }
        long t = behaviour.eventTimeMs();
        metrics.endToEndLagMs(context.currentSystemTimeMs() - t);
        if (t > maxEventTimeMs) {
            maxEventTimeMs = t;
        }
        context.forward(record.withKey((Object) user).withValue(new Routed.Features(featuresWriter.write(user, seq))));
        if (itemEvents && ItemStats.tracks(behaviour.action())) {
            context.forward(record.withKey((Object) behaviour.itemId())
                    .withValue(new Routed.Item(new ItemEvent(behaviour.action(), t))));
        }
        if (before != null) {
            context.forward(
                    record.withKey((Object) user).withValue(new Routed.Exposure(exposures.request(event, before))));
            metrics.exposureRequest();
        }
    }

    private void deadLetter(Record<byte[], byte[]> record, DeadLetterReason reason, Throwable error) {
        RecordMetadata meta = context.recordMetadata().orElse(null);
        String message = DeadLetterHeaders.messageOf(error);
        Headers headers = DeadLetterHeaders.add(
                new RecordHeaders(record.headers().toArray()),
                meta == null ? defaultTopic : meta.topic(),
                meta == null ? -1 : meta.partition(),
                meta == null ? -1 : meta.offset(),
                error.getClass().getName(),
                message,
                reason.code());
        metrics.deadLetter(reason);
        if (LOG.isDebugEnabled()) {
            LOG.debug("dead letter ({}) at {}: {}", reason.code(), meta, message);
        }
        context.forward(new Record<Object, Routed>(
                record.key(), new Routed.DeadLetter(record.key(), record.value()), record.timestamp(), headers));
    }

    /**
     * A forget: the user's sequence (its counters, windows and remembered ids live in it; nothing else of this task is
     * keyed by user) is deleted, and a {@code user-features} tombstone goes out with the record's headers, so the
     * forget header travels with it and the scoring job can tell it from an expiry. The tombstone is written whether
     * or not the store still had the user: a user expired earlier may still have state downstream, and a repeated
     * forget must leave the same result.
     */
    private void forget(Record<byte[], byte[]> record) {
        String user = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
        if (user.isBlank()) {
            deadLetter(
                    record,
                    DeadLetterReason.MISSING_USER_ID,
                    new InvalidEventException(DeadLetterReason.MISSING_USER_ID, "forget signal without a user id key"));
            return;
        }
        decoded.remove(user);
        store.delete(user);
        metrics.forgottenUser();
        LOG.debug("forgot user {}", user);
        context.forward(record.withKey((Object) user).withValue(new Routed.Features(null)));
    }

    /** Deletes every user whose latest event time is more than the TTL behind the chosen clock. */
    void expireIdleUsers(long wallClockMs) {
        long now = ttlClock == TtlClock.WALL_CLOCK ? wallClockMs : maxEventTimeMs;
        if (now == Long.MIN_VALUE) {
            return; // no accepted event since this task started: no event-time clock yet
        }
        long cutoff = now - ttl.toMillis();
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                if (BehaviourSequence.peekLatestEventTimeMs(kv.value) < cutoff) {
                    expired.add(kv.key);
                }
            }
        }
        for (String user : expired) {
            decoded.remove(user);
            store.delete(user);
            context.forward(new Record<Object, Routed>(user, new Routed.Features(null), wallClockMs));
        }
        if (!expired.isEmpty()) {
            metrics.expiredUsers(expired.size());
            LOG.debug("expired {} users idle since before {}", expired.size(), cutoff);
        }
    }

    @Override
    public void close() {
        decoded.clear();
    }

    /** Users whose decoded sequence is cached (tests). */
    int cachedUserCount() {
        return decoded.size();
    }
}
