package dev.tandem.features.metrics;

import static dev.tandem.features.FeatureNames.METRIC_BAD_ITEMS;
import static dev.tandem.features.FeatureNames.METRIC_DEAD_LETTERS;
import static dev.tandem.features.FeatureNames.METRIC_END_TO_END_LAG;
import static dev.tandem.features.FeatureNames.METRIC_EVENTS;
import static dev.tandem.features.FeatureNames.METRIC_EXPIRED_USERS;
import static dev.tandem.features.FeatureNames.METRIC_EXPOSURE_REQUESTS;
import static dev.tandem.features.FeatureNames.METRIC_FORGOTTEN_USERS;
import static dev.tandem.features.FeatureNames.TAG_OUTCOME;
import static dev.tandem.features.FeatureNames.TAG_REASON;

import dev.tandem.features.sequence.UpdateOutcome;
import dev.tandem.schemas.topics.DeadLetterReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** {@link FeatureMetrics} on a Micrometer registry; every meter is registered up front (zeros are visible). */
public final class MicrometerFeatureMetrics implements FeatureMetrics {
    private final Map<UpdateOutcome, Counter> events = new EnumMap<>(UpdateOutcome.class);
    /** The reasons this app writes (the shared enum also has the scoring job's): registered up front, so their zeros show. */
    static final Set<DeadLetterReason> FEATURES_REASONS = EnumSet.of(
            DeadLetterReason.DESERIALIZATION,
            DeadLetterReason.NULL_VALUE,
            DeadLetterReason.MISSING_USER_ID,
            DeadLetterReason.KEY_MISMATCH,
            DeadLetterReason.MISSING_FIELD,
            DeadLetterReason.ID_TOO_LONG,
            DeadLetterReason.FUTURE_EVENT_TIME,
            DeadLetterReason.UNKNOWN_ACTION,
            DeadLetterReason.INVALID_EVENT);

    private final MeterRegistry registry;
    /** Concurrent: stream threads share this, and a reason outside {@link #FEATURES_REASONS} is registered on first use. */
    private final Map<DeadLetterReason, Counter> deadLetters = new ConcurrentHashMap<>();

    private final Counter expired;
    private final Counter forgotten;
    private final Counter exposureRequests;
    private final Counter badItems;
    private final Timer lag;

    public MicrometerFeatureMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (UpdateOutcome o : UpdateOutcome.values()) {
            events.put(
                    o,
                    Counter.builder(METRIC_EVENTS)
                            .description("Events processed, by outcome")
                            .tag(TAG_OUTCOME, o.name().toLowerCase())
                            .register(registry));
        }
        for (DeadLetterReason r : FEATURES_REASONS) {
            deadLetters.put(r, deadLetterCounter(r));
        }
        expired = Counter.builder(METRIC_EXPIRED_USERS)
                .description("Users expired by the TTL (tombstones written)")
                .register(registry);
        forgotten = Counter.builder(METRIC_FORGOTTEN_USERS)
                .description("Users deleted on a forget signal (tombstones written)")
                .register(registry);
        exposureRequests = Counter.builder(METRIC_EXPOSURE_REQUESTS)
                .description("Scoring requests sent for accepted views (score on exposure)")
                .register(registry);
        badItems = Counter.builder(METRIC_BAD_ITEMS)
                .description("Unreadable records of the items topic")
                .register(registry);
        lag = Timer.builder(METRIC_END_TO_END_LAG)
                .description("Wall clock at processing minus event time, accepted events")
                .publishPercentiles(0.5, 0.99)
                .distributionStatisticExpiry(Duration.ofMinutes(1))
                .register(registry);
    }

    @Override
    public void event(UpdateOutcome outcome) {
        events.get(outcome).increment();
    }

    @Override
    public void deadLetter(DeadLetterReason reason) {
        deadLetters.computeIfAbsent(reason, this::deadLetterCounter).increment();
    }

    private Counter deadLetterCounter(DeadLetterReason r) {
        return Counter.builder(METRIC_DEAD_LETTERS)
                .description("Records sent to the dead-letter topic, by reason")
                .tag(TAG_REASON, r.code())
                .register(registry);
    }

    @Override
    public void expiredUsers(int count) {
        expired.increment(count);
    }

    @Override
    public void forgottenUser() {
        forgotten.increment();
    }

    @Override
    public void exposureRequest() {
        exposureRequests.increment();
    }

    @Override
    public void badItem() {
        badItems.increment();
    }

    @Override
    public void endToEndLagMs(long millis) {
        lag.record(Math.max(0, millis), TimeUnit.MILLISECONDS);
    }
}
