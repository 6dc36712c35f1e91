package dev.tandem.connect.serving.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tandem.connect.serving.RankedItem;
import dev.tandem.connect.serving.Recommendation;
import dev.tandem.connect.serving.RecommendationJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The API's response bodies, written with Jackson's streaming generator from one shared factory: no tree and no
 * mapper per request. A non-finite score or probability (a broken model output) is null, as in the stored JSON.
 */
final class RecommendationsJson {
    private static final JsonFactory JSON = new JsonFactory();

    private RecommendationsJson() {}

    /**
     * {@code {"user_id", "request_id", "model_name", "model_version", "objective", "features_as_of", "scored_at",
     * "age_ms", "items": [{"item_id", "score", "probabilities": {STAGE: p}, "price"?}]}} with the first {@code k}
     * items.
     */
    static byte[] recommendation(Recommendation r, int k, long nowMs) {
        List<RankedItem> items = r.top(k);
        List<String> stages = r.stages();
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + items.size() * (48 + 24 * stages.size()));
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("user_id", r.userId());
            g.writeStringField("request_id", r.requestId());
            g.writeStringField("model_name", r.modelName());
            g.writeStringField("model_version", r.modelVersion());
            g.writeStringField("objective", r.objective());
            if (r.featuresAsOf() == null) g.writeNullField("features_as_of");
            else g.writeNumberField("features_as_of", r.featuresAsOf());
            g.writeNumberField("scored_at", r.scoredAt());
            g.writeNumberField("age_ms", Math.max(0, nowMs - r.scoredAt()));
            RecommendationJson.writeItems(g, items, stages);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory", e);
        }
        return out.toByteArray();
    }

    /** {@code {"error": message}}. */
    static byte[] error(String message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(32 + message.length());
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("error", message);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory", e);
        }
        return out.toByteArray();
    }
}
