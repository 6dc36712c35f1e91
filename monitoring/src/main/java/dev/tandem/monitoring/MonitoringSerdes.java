package dev.tandem.monitoring;

import dev.tandem.monitoring.streams.OutcomeOutput;
import dev.tandem.monitoring.streams.OutcomeRecordSerializer;
import dev.tandem.schemas.ModelMetrics;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.PredictionOutcome;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.registry.RegistryClientConfig;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroSerde;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/** The value serdes of the monitoring topology (keys are plain UTF-8 strings). */
public record MonitoringSerdes(
        Serde<UserEvent> userEvent,
        Serde<Prediction> prediction,
        Serde<PredictionOutcome> outcome,
        Serde<ModelMetrics> modelMetrics) {
    public MonitoringSerdes {
        Objects.requireNonNull(userEvent, "userEvent");
        Objects.requireNonNull(prediction, "prediction");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(modelMetrics, "modelMetrics");
    }

    /**
     * For writing {@code prediction-outcomes} straight from the grader's values ({@link OutcomeRecordSerializer}, the
     * same bytes as {@link #outcome()}); it only writes: read the topic with {@link #outcome()}.
     */
    public Serde<OutcomeOutput> outcomeRecords() {
        return Serdes.serdeFrom(new OutcomeRecordSerializer(outcome.serializer()), (topic, bytes) -> {
            throw new UnsupportedOperationException("read prediction-outcomes with MonitoringSerdes.outcome()");
        });
    }

    /** Confluent wire-format Avro serdes on the registry at {@code registryUrl} ({@code mock://scope} works in-process). */
    public static MonitoringSerdes forRegistry(String registryUrl, Map<String, ?> registryConfigs) {
        Map<String, Object> configs = new HashMap<>(registryConfigs);
        configs.put(RegistryClientConfig.URL, registryUrl);
        SchemaRegistryClient client = SchemaRegistryClients.forUrl(registryUrl, configs);
        return new MonitoringSerdes(
                TandemAvroSerde.specific(UserEvent.class, client, false, configs),
                TandemAvroSerde.specific(Prediction.class, client, false, configs),
                TandemAvroSerde.specific(PredictionOutcome.class, client, false, configs),
                TandemAvroSerde.specific(ModelMetrics.class, client, false, configs));
    }
}
