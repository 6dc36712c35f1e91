package dev.tandem.schemas.kafka;

import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/** The platform's Avro serdes, configured the one way the CLI uses them. */
public final class AvroSerdes {
    private AvroSerdes() {}

    public static Map<String, Object> config(String registryUrl) {
        return Map.of(
                "schema.registry.url", registryUrl,
                "auto.register.schemas", true,
                "specific.avro.reader", true);
    }

    /** {@link #config(String)} with the registry client's own settings (basic auth, TLS) added. */
    public static Map<String, Object> config(String registryUrl, Map<String, String> registryConfigs) {
        Map<String, Object> c = new java.util.HashMap<>(registryConfigs);
        c.putAll(config(registryUrl));
        return c;
    }

    public static <T extends SpecificRecord> TandemAvroSerializer<T> valueSerializer(String registryUrl) {
        return valueSerializer(registryUrl, Map.of());
    }

    public static <T extends SpecificRecord> TandemAvroSerializer<T> valueSerializer(
            String registryUrl, Map<String, String> registryConfigs) {
        TandemAvroSerializer<T> s = new TandemAvroSerializer<>();
        s.configure(config(registryUrl, registryConfigs), false);
        return s;
    }

    public static <T extends SpecificRecord> TandemAvroDeserializer<T> valueDeserializer(String registryUrl) {
        return valueDeserializer(registryUrl, Map.of());
    }

    public static <T extends SpecificRecord> TandemAvroDeserializer<T> valueDeserializer(
            String registryUrl, Map<String, String> registryConfigs) {
        TandemAvroDeserializer<T> d = new TandemAvroDeserializer<>();
        d.configure(config(registryUrl, registryConfigs), false);
        return d;
    }
}
