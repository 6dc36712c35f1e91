package dev.tandem.schemas.kafka;

import dev.tandem.schemas.config.Settings;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Where the platform's Kafka and schema registry are, and how a client reaches a secured cluster. The defaults are
 * what {@code tandem dev-cluster} starts.
 *
 * @param clientProperties how clients reach a secured cluster, as in a Confluent client config file: Kafka settings
 *     ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}) every producer, consumer and admin made from these
 *     endpoints gets, and the registry client's ({@code schema.registry.*}, {@code basic.auth.*}); empty for a
 *     plaintext cluster
 */
public record KafkaEndpoints(String bootstrapServers, String registryUrl, Map<String, String> clientProperties) {
    public static final String DEFAULT_BOOTSTRAP = "127.0.0.1:9092";
    public static final String DEFAULT_REGISTRY = "http://127.0.0.1:8081";

    public KafkaEndpoints {
        if (bootstrapServers == null || bootstrapServers.isBlank())
            throw new IllegalArgumentException("bootstrap servers must not be blank");
        if (registryUrl == null || registryUrl.isBlank())
            throw new IllegalArgumentException("registry URL must not be blank");
        clientProperties = clientProperties == null ? Map.of() : Map.copyOf(clientProperties);
    }

    public KafkaEndpoints(String bootstrapServers, String registryUrl) {
        this(bootstrapServers, registryUrl, Map.of());
    }

    public KafkaEndpoints withClientProperties(Map<String, String> properties) {
        return new KafkaEndpoints(bootstrapServers, registryUrl, properties);
    }

    /**
     * A client's configuration: {@code base}, then the security settings, then the bootstrap servers. The security
     * settings win over {@code base}: a client tuned for throughput must still authenticate.
     */
    public Map<String, Object> client(Map<String, Object> base) {
        Map<String, Object> c = new java.util.HashMap<>(base);
        clientProperties.forEach((k, v) -> {
            if (!isRegistryKey(k)) c.put(k, v);
        });
        c.put("bootstrap.servers", bootstrapServers);
        return c;
    }

    /** The registry client's settings among the client properties (basic auth, TLS), without the URL. */
    public Map<String, String> registryConfigs() {
        return registrySettings(clientProperties);
    }

    /** The registry client's settings among {@code settings}: {@code schema.registry.*} but the URL, {@code basic.auth.*}. */
    public static Map<String, String> registrySettings(Map<String, String> settings) {
        Map<String, String> out = new TreeMap<>();
        settings.forEach((k, v) -> {
            if (isRegistryKey(k) && !k.equals("schema.registry.url")) out.put(k, v);
        });
        return out;
    }

    private static boolean isRegistryKey(String key) {
        return key.startsWith("schema.registry.") || key.startsWith("basic.auth.");
    }

    /** The client security settings among {@code settings}: {@code security.protocol}, {@code sasl.*}, {@code ssl.*}. */
    public static Map<String, String> securitySettings(Map<String, String> settings) {
        Map<String, String> out = new TreeMap<>();
        settings.forEach((k, v) -> {
            if (k.equals("security.protocol") || k.startsWith("sasl.") || k.startsWith("ssl.")) out.put(k, v);
        });
        return out;
    }

    /** Passwords and JAAS lines masked: endpoints end up in logs and error messages. */
    @Override
    public String toString() {
        String props = new TreeMap<>(clientProperties)
                .entrySet().stream()
                        .map(e -> e.getKey() + "=" + Settings.mask(e.getKey(), e.getValue()))
                        .collect(Collectors.joining(", ", "{", "}"));
        return "KafkaEndpoints[bootstrapServers=" + bootstrapServers + ", registryUrl=" + registryUrl
                + ", clientProperties=" + props + "]";
    }
}
