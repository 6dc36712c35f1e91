package dev.tandem.features.streams;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tandem.features.sequence.ItemStats;
import dev.tandem.schemas.ItemMetadata;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * One item's stats as of its latest event, joined with its catalog metadata when the items topic has
 * it ({@code metadata == null} otherwise). Written as JSON (snake_case) until schemas has an Avro type.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ItemFeatures(String itemId, long asOf, List<ItemStats.WindowStats> windows, Metadata metadata) {

    /** The catalog part of the join. */
    public record Metadata(List<String> categoryPath, String brand, Double price, Map<String, String> attributes) {
        public static Metadata of(ItemMetadata m) {
            Map<String, String> attrs = new TreeMap<>();
            m.getAttributes().forEach((k, v) -> attrs.put(k.toString(), v.toString()));
            return new Metadata(
                    m.getCategoryPath().stream().map(Object::toString).toList(),
                    m.getBrand() == null ? null : m.getBrand().toString(),
                    m.getPrice(),
                    attrs);
        }
    }

    public static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    public static Serde<ItemFeatures> jsonSerde() {
        Serializer<ItemFeatures> ser = (topic, f) -> {
            if (f == null) return null;
            try {
                return JSON.writeValueAsBytes(f);
            } catch (Exception e) {
                throw new SerializationException("cannot write ItemFeatures as JSON", e);
            }
        };
        Deserializer<ItemFeatures> de = (topic, b) -> {
            if (b == null) return null;
            try {
                return JSON.readValue(b, ItemFeatures.class);
            } catch (Exception e) {
                throw new SerializationException("cannot read ItemFeatures JSON", e);
            }
        };
        return Serdes.serdeFrom(ser, de);
    }
}
