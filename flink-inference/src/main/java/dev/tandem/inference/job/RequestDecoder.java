package dev.tandem.inference.job;

import dev.tandem.inference.core.DeadLetter;
import dev.tandem.inference.core.RawRecord;
import dev.tandem.inference.core.RequestValidator;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.registry.RegistryClientConfig;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.topics.DeadLetterReason;
import java.io.Serializable;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.util.OutputTag;

/**
 * Decodes a raw {@code scoring-requests} record (Confluent wire-format Avro through our registry) and validates it
 * ({@link RequestValidator}); a record that does not decode or is invalid is handed to a {@link Refusal} with the
 * reason, for the {@link #DEAD_LETTERS} side output with its original bytes. Plain Java, used by the operators that
 * see raw requests ({@link RequestRouter} when it cannot route a record by its bytes alone, {@link RequestFeatureJoin}
 * for every request): {@link #open} on the task, not on the client.
 */
public final class RequestDecoder implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

    /** Where a refused record goes. */
    public interface Refusal {
        void refuse(DeadLetterReason reason, Throwable error);
    }

    private final Map<String, String> registry;
    private final int maxIdLength;
    private transient TandemAvroDeserializer<ScoringRequest> deserializer;
    private transient RequestValidator validator;

    public RequestDecoder(String registryUrl, int maxIdLength) {
        this(Map.of(RegistryClientConfig.URL, Objects.requireNonNull(registryUrl, "registryUrl")), maxIdLength);
    }

    /** @param registry the registry client's settings: {@code schema.registry.url} and any auth settings */
    public RequestDecoder(Map<String, String> registry, int maxIdLength) {
        this.registry = Map.copyOf(registry);
        Objects.requireNonNull(this.registry.get(RegistryClientConfig.URL), RegistryClientConfig.URL);
        this.maxIdLength = maxIdLength;
        new RequestValidator(maxIdLength); // fail on the client, not in the job
    }

    public void open() {
        deserializer =
                new TandemAvroDeserializer<>(ScoringRequest.class, SchemaRegistryClients.fromConfigs(registry), false);
        validator = new RequestValidator(maxIdLength);
    }

    public String registryUrl() {
        return registry.get(RegistryClientConfig.URL);
    }

    public Map<String, String> registry() {
        return registry;
    }

    public int maxIdLength() {
        return maxIdLength;
    }

    /** The decoded, valid request, or null after {@code refusal} was told why not. */
    public ScoringRequest decode(RawRecord in, Refusal refusal) {
        if (in.value == null) {
            refusal.refuse(
                    DeadLetterReason.NULL_VALUE, new IllegalArgumentException("null value (tombstone) on " + in.topic));
            return null;
        }
        ScoringRequest r;
        try {
            r = deserializer.deserialize(in.topic, in.value);
        } catch (RuntimeException e) {
            refusal.refuse(DeadLetterReason.DESERIALIZATION, e);
            return null;
        }
        if (r == null) {
            refusal.refuse(DeadLetterReason.NULL_VALUE, new IllegalArgumentException("value decodes to null"));
            return null;
        }
        try {
            validator.validate(r);
        } catch (RequestValidator.InvalidRequestException e) {
            refusal.refuse(e.reason(), e);
            return null;
        }
        return r;
    }
}
