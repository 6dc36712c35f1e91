package dev.tandem.connect.sink;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;

/**
 * Prediction values as Connect {@link Struct}s with the fields of {@code schemas/src/main/avro/Prediction.avsc}, the
 * shape {@code TandemAvroConverter} gives the sinks, built directly so sink tests need no converter or registry.
 * Usage: {@code prediction("r-1", "u-1", 1_000).candidate("i-1", 9.5, 0.5f, 0.2f, 0.1f).struct()}; with no candidate
 * added it carries two default ones.
 */
public final class PredictionStructFixture {
    public static final List<String> STAGES = List.of("VIEW", "CART", "PURCHASE");

    public static final Schema TIMESTAMP = Timestamp.SCHEMA;
    public static final Schema OPTIONAL_TIMESTAMP =
            Timestamp.builder().optional().build();

    public static final Schema CANDIDATE = SchemaBuilder.struct()
            .name("dev.tandem.schemas.CandidateScore")
            .field("item_id", Schema.STRING_SCHEMA)
            .field("probabilities", SchemaBuilder.array(Schema.FLOAT32_SCHEMA).build())
            .field("price", Schema.OPTIONAL_FLOAT64_SCHEMA)
            .build();

    public static final Schema TIMINGS = SchemaBuilder.struct()
            .name("dev.tandem.schemas.PredictionTimings")
            .field("received_at", TIMESTAMP)
            .field("scored_at", TIMESTAMP)
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
            .field("features_as_of", OPTIONAL_TIMESTAMP)
            .field("request_time", TIMESTAMP)
            .field("stages", SchemaBuilder.array(Schema.STRING_SCHEMA).build())
            .field("candidates", SchemaBuilder.array(CANDIDATE).build())
            .field("timings", TIMINGS)
            .build();

    private PredictionStructFixture() {}

    /** A prediction over {@link #STAGES} with two candidates whose scores encode the request id's hash. */
    public static Struct hashed(String requestId, String userId, long requestTime) {
        float p = (Math.floorMod(requestId.hashCode(), 1000) + 1) / 1001f;
        return prediction(requestId, userId, requestTime)
                .featuresAsOf(requestTime - 1_000)
                .candidate("item-a", 9.5, 0.9f, p, p / 2)
                .candidate("item-b", null, 0.8f, p / 3, p / 4)
                .struct();
    }

    public static Builder prediction(String requestId, String userId, long requestTime) {
        return new Builder(requestId, userId, requestTime);
    }

    public static final class Builder {
        private final String requestId;
        private final String userId;
        private final long requestTime;
        private String modelName = "funnel";
        private String modelVersion = "v1";
        private Long featuresAsOf;
        private List<String> stages = STAGES;
        private final List<Struct> candidates = new ArrayList<>();

        private Builder(String requestId, String userId, long requestTime) {
            this.requestId = requestId;
            this.userId = userId;
            this.requestTime = requestTime;
        }

        public Builder model(String name, String version) {
            this.modelName = name;
            this.modelVersion = version;
            return this;
        }

        public Builder featuresAsOf(Long asOf) {
            this.featuresAsOf = asOf;
            return this;
        }

        public Builder stages(String... stages) {
            this.stages = List.of(stages);
            return this;
        }

        /** A candidate: its price (null: unknown) and one probability per stage. */
        public Builder candidate(String itemId, Double price, float... probabilities) {
            List<Float> p = new ArrayList<>(probabilities.length);
            for (float f : probabilities) p.add(f);
            candidates.add(new Struct(CANDIDATE)
                    .put("item_id", itemId)
                    .put("probabilities", p)
                    .put("price", price));
            return this;
        }

        public Struct struct() {
            if (candidates.isEmpty()) {
                float[] a = new float[stages.size()], b = new float[stages.size()];
                for (int i = 0; i < a.length; i++) {
                    a[i] = 0.5f / (i + 1);
                    b[i] = 0.4f / (i + 1);
                }
                candidate("item-a", 10.0, a);
                candidate("item-b", null, b);
            }
            Struct timings = new Struct(TIMINGS)
                    .put("received_at", new Date(requestTime + 1))
                    .put("scored_at", new Date(requestTime + 5))
                    .put("queue_micros", 100L)
                    .put("model_micros", 900L)
                    .put("batch_rows", candidates.size());
            Struct p = new Struct(PREDICTION)
                    .put("request_id", requestId)
                    .put("user_id", userId)
                    .put("model_name", modelName)
                    .put("model_version", modelVersion)
                    .put("features_as_of", featuresAsOf == null ? null : new Date(featuresAsOf))
                    .put("request_time", new Date(requestTime))
                    .put("stages", List.copyOf(stages))
                    .put("candidates", List.copyOf(candidates));
            p.put("timings", timings);
            p.validate();
            return p;
        }
    }
}
