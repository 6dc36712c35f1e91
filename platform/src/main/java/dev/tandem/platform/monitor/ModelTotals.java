package dev.tandem.platform.monitor;

import dev.tandem.schemas.ModelMetrics;
import dev.tandem.schemas.kafka.AvroSerdes;
import dev.tandem.schemas.kafka.KafkaEndpoints;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.topics.TandemTopics;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The monitoring app's running totals of one model version as they arrive on {@code model-metrics}: per stage the
 * newest record without a window (the total since the app started). Read from the start of the topic, without a
 * group. Not thread-safe.
 */
public final class ModelTotals implements AutoCloseable {
    private final OnlineGrading.Model model;
    private final KafkaConsumer<String, byte[]> consumer;
    private final TandemAvroDeserializer<ModelMetrics> values;
    private final Map<String, ModelMetrics> totals = new HashMap<>();

    public ModelTotals(KafkaEndpoints endpoints, OnlineGrading.Model model) {
        this.model = model;
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        this.consumer =
                new KafkaConsumer<>(endpoints.client(props), new StringDeserializer(), new ByteArrayDeserializer());
        this.values = AvroSerdes.valueDeserializer(endpoints.registryUrl(), endpoints.registryConfigs());
        OnlineGrading.fromStart(consumer, TandemTopics.MODEL_METRICS);
    }

    /** Reads what arrived within {@code timeout}. */
    public void poll(Duration timeout) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(timeout)) {
            if (r.value() == null) continue;
            ModelMetrics m = values.deserialize(r.topic(), r.headers(), r.value());
            if (m.getWindowStart() == null
                    && m.getModelName().equals(model.name())
                    && m.getModelVersion().equals(model.version())) {
                totals.put(m.getStage(), m);
            }
        }
    }

    /** The newest total of each stage read so far. */
    public Map<String, ModelMetrics> totals() {
        return Map.copyOf(totals);
    }

    /** True once every stage's total covers {@code outcomes} graded (positive, negative or censored) outcomes. */
    public boolean cover(long outcomes) {
        if (outcomes == 0) return true;
        for (String stage : model.stages()) {
            ModelMetrics m = totals.get(stage);
            if (m == null || m.getPositives() + m.getNegatives() + m.getCensored() < outcomes) return false;
        }
        return true;
    }

    /**
     * Polls until every stage's total covers {@code outcomes}.
     *
     * @throws IllegalStateException when the app stops, or the totals do not get there within {@link
     *     OnlineGrading#STALL}
     */
    public Map<String, ModelMetrics> awaitCovering(long outcomes, BooleanSupplier healthy) {
        long deadline = System.nanoTime() + OnlineGrading.STALL.toNanos();
        while (!cover(outcomes)) {
            if (!healthy.getAsBoolean()) throw new IllegalStateException("the monitoring app stopped");
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the monitoring app's totals did not cover the " + outcomes
                        + " outcomes within " + OnlineGrading.STALL.toSeconds() + " s: " + totals);
            }
            poll(Duration.ofMillis(200));
        }
        return totals();
    }

    @Override
    public void close() {
        try {
            values.close();
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }
}
