package dev.tandem.features;

import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.registry.RegistryClientConfig;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroSerde;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serde;

/** The value serdes of the topology (keys are plain UTF-8 strings). */
public record FeatureSerdes(
        Serde<UserEvent> userEvent,
        Serde<UserFeatures> userFeatures,
        Serde<ItemMetadata> itemMetadata,
        Serde<ScoringRequest> scoringRequest) {
    public FeatureSerdes {
        Objects.requireNonNull(userEvent, "userEvent");
        Objects.requireNonNull(userFeatures, "userFeatures");
        Objects.requireNonNull(itemMetadata, "itemMetadata");
        Objects.requireNonNull(scoringRequest, "scoringRequest");
    }

    /** Confluent wire-format Avro serdes on the registry at {@code registryUrl} ({@code mock://scope} works in-process). */
    public static FeatureSerdes forRegistry(String registryUrl, Map<String, ?> registryConfigs) {
        Map<String, Object> configs = new HashMap<>(registryConfigs);
        configs.put(RegistryClientConfig.URL, registryUrl);
        SchemaRegistryClient client = SchemaRegistryClients.forUrl(registryUrl, configs);
        return new FeatureSerdes(
                TandemAvroSerde.specific(UserEvent.class, client, false, configs),
                TandemAvroSerde.specific(UserFeatures.class, client, false, configs),
                TandemAvroSerde.specific(ItemMetadata.class, client, false, configs),
                TandemAvroSerde.specific(ScoringRequest.class, client, false, configs));
    }
}
