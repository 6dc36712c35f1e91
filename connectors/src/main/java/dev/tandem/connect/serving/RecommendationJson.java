package dev.tandem.connect.serving;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The stored form of a {@link Recommendation}: one JSON document, the same in Redis and in SQL, so the API reads any
 * store with one decoder and a person can read a key with {@code redis-cli}. Each item carries its stages'
 * probabilities by name ({@code {"CART":0.12,"PURCHASE":0.03}}); a non-finite value (a broken model output) is written
 * as null, since JSON has no NaN, and read back as NaN.
 */
public final class RecommendationJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .build();

    private RecommendationJson() {}

    public static String encode(Recommendation r) {
        StringWriter out = new StringWriter(sizeHint(r));
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            write(g, r);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory", e);
        }
        return out.toString();
    }

    /** {@link #encode} as UTF-8 bytes, written as such: what a store that takes bytes is handed, with no String between. */
    public static byte[] encodeUtf8(Recommendation r) {
        ByteArrayBuilder out = new ByteArrayBuilder(sizeHint(r));
        try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            write(g, r);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory", e);
        }
        return out.toByteArray();
    }

    private static int sizeHint(Recommendation r) {
        return 256 + r.items().size() * (48 + 24 * r.stages().size());
    }

    // a sink encodes every prediction it stores: streamed, with no tree, since building one cost half a sink task's CPU
    private static void write(JsonGenerator g, Recommendation r) throws IOException {
        g.writeStartObject();
        g.writeStringField("user_id", r.userId());
        g.writeStringField("request_id", r.requestId());
        g.writeNumberField("request_time", r.requestTime());
        g.writeStringField("model_name", r.modelName());
        g.writeStringField("model_version", r.modelVersion());
        if (r.featuresAsOf() == null) g.writeNullField("features_as_of");
        else g.writeNumberField("features_as_of", r.featuresAsOf());
        g.writeNumberField("scored_at", r.scoredAt());
        g.writeStringField("objective", r.objective());
        g.writeArrayFieldStart("stages");
        for (String stage : r.stages()) g.writeString(stage);
        g.writeEndArray();
        writeItems(g, r.items(), r.stages());
        g.writeEndObject();
    }

    /**
     * {@code "items": [{"item_id", "score", "probabilities": {STAGE: p}, "price"?}]}, as stored and as the API answers.
     * Probabilities are written as the floats they are ({@code 0.2}, not {@code 0.20000000298023224}): shorter, cheaper
     * to format, and read back to the same float.
     */
    public static void writeItems(JsonGenerator g, List<RankedItem> items, List<String> stages) throws IOException {
        g.writeArrayFieldStart("items");
        for (RankedItem it : items) {
            g.writeStartObject();
            g.writeStringField("item_id", it.itemId());
            finite(g, "score", (float) it.score());
            g.writeObjectFieldStart("probabilities");
            for (int s = 0; s < stages.size(); s++) finite(g, stages.get(s), it.probability(s));
            g.writeEndObject();
            if (it.price() != null) finite(g, "price", it.price());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void finite(JsonGenerator g, String field, double v) throws IOException {
        if (Double.isFinite(v)) g.writeNumberField(field, v);
        else g.writeNullField(field);
    }

    private static void finite(JsonGenerator g, String field, float v) throws IOException {
        if (Float.isFinite(v)) g.writeNumberField(field, v);
        else g.writeNullField(field);
    }

    /** @throws IllegalArgumentException when {@code json} is not a stored recommendation */
    public static Recommendation decode(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a stored recommendation: " + e.getOriginalMessage(), e);
        }
        List<String> stages = new ArrayList<>();
        required(root, "stages").forEach(s -> stages.add(s.asText()));
        List<RankedItem> items = new ArrayList<>();
        for (JsonNode item : required(root, "items")) {
            JsonNode probs = required(item, "probabilities");
            float[] p = new float[stages.size()];
            for (int s = 0; s < p.length; s++) {
                JsonNode v = probs.get(stages.get(s));
                p[s] = v == null || v.isNull() ? Float.NaN : (float) v.asDouble();
            }
            JsonNode score = item.get("score");
            JsonNode price = item.get("price");
            items.add(new RankedItem(
                    required(item, "item_id").asText(),
                    score == null || score.isNull() ? Double.NaN : (double) (float) score.asDouble(),
                    p,
                    price == null || price.isNull() ? null : price.asDouble()));
        }
        JsonNode asOf = root.get("features_as_of");
        return new Recommendation(
                required(root, "user_id").asText(),
                required(root, "request_id").asText(),
                required(root, "request_time").asLong(),
                required(root, "model_name").asText(),
                required(root, "model_version").asText(),
                asOf == null || asOf.isNull() ? null : asOf.asLong(),
                required(root, "scored_at").asLong(),
                stages,
                required(root, "objective").asText(),
                items);
    }

    private static JsonNode required(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) throw new IllegalArgumentException("stored recommendation lacks " + field);
        return v;
    }
}
