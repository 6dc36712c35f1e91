package dev.tandem.connect.sink;

import java.util.Arrays;
import java.util.Date;
import java.util.List;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;

/**
 * Connect {@link Struct}s shaped like Prediction.avsc, as the converter hands them to a sink, built directly so sink
 * tests do not depend on the converter.
 */
public final class PredictionStructFixture {
    public static final List<String> STAGES = List.of("VIEW", "CART", "PURCHASE");

    public static final Schema CANDIDATE = SchemaBuilder.struct()
            .name("dev.tandem.schemas.CandidateScore")
            .field("item_id", Schema.STRING_SCHEMA)
            .field("probabilities", SchemaBuilder.array(Schema.FLOAT32_SCHEMA).build())
            .field("price", Schema.OPTIONAL_FLOAT64_SCHEMA)
            .build();

    public static final Schema TIMINGS = SchemaBuilder.struct()
            .name("dev.tandem.schemas.PredictionTimings")
            .field("received_at", Timestamp.SCHEMA)
            .field("scored_at", Timestamp.SCHEMA)
            .field("queue_micros", Schema.INT64_SCHEMA)
            .field("model_micros", Schema.INT64_SCHEMA)
            .field("batch_rows", Schema.INT32_SCHEMA)
            .build();

    public static final Schema PREDICTION = SchemaBuilder.struct()
            .name("dev.tandem.schemas.Prediction")
            .field("request_id", Schema.STRING_SCHEMA)
            .field("user_id", Schema.STRING_SCHEMA)
            .field("model_name", Schema.STRING_SCHEMA)
            .field("model_version", Schema.STRING_SCHEMA)
            .field("features_as_of", Timestamp.builder().optional().build())
            .field("request_time", Timestamp.SCHEMA)
            .field("stages", SchemaBuilder.array(Schema.STRING_SCHEMA).build())
            .field("candidates", SchemaBuilder.array(CANDIDATE).build())
            .field("timings", TIMINGS)
            .build();

    private PredictionStructFixture() {}

    public static Struct candidate(String itemId, Double price, float... probabilities) {
        Float[] boxed = new Float[probabilities.length];
        for (int i = 0; i < boxed.length; i++) boxed[i] = probabilities[i];
        return new Struct(CANDIDATE)
                .put("item_id", itemId)
                .put("probabilities", Arrays.asList(boxed))
                .put("price", price);
    }

    /** A full prediction; scored 5 ms after the request, features as of {@code featuresAsOf} (null: none). */
    public static Struct prediction(
            String requestId,
            String userId,
            long requestTime,
            Long featuresAsOf,
            List<String> stages,
            List<Struct> candidates) {
        Struct timings = new Struct(TIMINGS)
                .put("received_at", new Date(requestTime + 1))
                .put("scored_at", new Date(requestTime + 5))
                .put("queue_micros", 100L)
                .put("model_micros", 200L)
                .put("batch_rows", candidates.size());
        return new Struct(PREDICTION)
                .put("request_id", requestId)
                .put("user_id", userId)
                .put("model_name", "funnel")
                .put("model_version", "v1")
                .put("features_as_of", featuresAsOf == null ? null : new Date(featuresAsOf))
                .put("request_time", new Date(requestTime))
                .put("stages", stages)
                .put("candidates", candidates)
                .put("timings", timings);
    }

    /** A prediction over {@link #STAGES} with two candidates whose scores encode the request id's hash. */
    public static Struct prediction(String requestId, String userId, long requestTime) {
        float p = (Math.floorMod(requestId.hashCode(), 1000) + 1) / 1001f;
        return prediction(
                requestId,
                userId,
                requestTime,
                requestTime - 1_000,
                STAGES,
                List.of(candidate("item-a", 9.5, 0.9f, p, p / 2), candidate("item-b", null, 0.8f, p / 3, p / 4)));
    }
}
