package dev.tandem.connect.serving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

    private RecommendationJson() {}

    public static String encode(Recommendation r) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("user_id", r.userId());
        root.put("request_id", r.requestId());
        root.put("request_time", r.requestTime());
        root.put("model_name", r.modelName());
        root.put("model_version", r.modelVersion());
        if (r.featuresAsOf() == null) root.putNull("features_as_of");
        else root.put("features_as_of", r.featuresAsOf());
        root.put("scored_at", r.scoredAt());
        root.put("objective", r.objective());
        ArrayNode stages = root.putArray("stages");
        r.stages().forEach(stages::add);
        ArrayNode items = root.putArray("items");
        for (RankedItem it : r.items()) {
            ObjectNode item = items.addObject();
            item.put("item_id", it.itemId());
            finite(item, "score", it.score());
            ObjectNode probs = item.putObject("probabilities");
            for (int s = 0; s < r.stages().size(); s++) finite(probs, r.stages().get(s), it.probability(s));
            if (it.price() != null) item.put("price", it.price());
        }
        try {
            return MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of plain values always serializes", e);
        }
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
                    score == null || score.isNull() ? Double.NaN : score.asDouble(),
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

    private static void finite(ObjectNode node, String field, double v) {
        if (Double.isFinite(v)) node.put(field, v);
        else node.putNull(field);
    }

    private static JsonNode required(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) throw new IllegalArgumentException("stored recommendation lacks " + field);
        return v;
    }
}
