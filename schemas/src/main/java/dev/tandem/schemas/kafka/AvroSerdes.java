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

    public static <T extends SpecificRecord> TandemAvroSerializer<T> valueSerializer(String registryUrl) {
        TandemAvroSerializer<T> s = new TandemAvroSerializer<>();
        s.configure(config(registryUrl), false);
        return s;
    }

    public static <T extends SpecificRecord> TandemAvroDeserializer<T> valueDeserializer(String registryUrl) {
        TandemAvroDeserializer<T> d = new TandemAvroDeserializer<>();
        d.configure(config(registryUrl), false);
        return d;
    }
}
