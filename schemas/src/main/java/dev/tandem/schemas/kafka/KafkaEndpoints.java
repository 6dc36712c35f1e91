package dev.tandem.schemas.kafka;

/**
 * Where the platform's Kafka and schema registry are. The defaults are what
 * {@code tandem dev-cluster} starts.
 */
public record KafkaEndpoints(String bootstrapServers, String registryUrl) {
    public static final String DEFAULT_BOOTSTRAP = "127.0.0.1:9092";
    public static final String DEFAULT_REGISTRY = "http://127.0.0.1:8081";

    public KafkaEndpoints {
        if (bootstrapServers == null || bootstrapServers.isBlank())
            throw new IllegalArgumentException("bootstrap servers must not be blank");
        if (registryUrl == null || registryUrl.isBlank())
            throw new IllegalArgumentException("registry URL must not be blank");
    }
}
