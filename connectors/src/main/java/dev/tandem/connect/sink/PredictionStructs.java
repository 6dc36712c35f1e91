package dev.tandem.connect.sink;

import dev.tandem.connect.serving.Objective;
import dev.tandem.connect.serving.Recommendation;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

/**
 * A {@code predictions} record's value, as {@code TandemAvroConverter} gives it to a sink ({@link Struct} with the
 * fields of Prediction.avsc), turned into the {@link Recommendation} both sinks store. Timestamps are accepted as
 * Connect {@code Timestamp}s ({@link Date}) or plain longs, so a converter that drops logical types still works.
 * Anything that is not a prediction throws {@link DataException}, which the sinks route to Connect's dead letters.
 */
public final class PredictionStructs {
    private PredictionStructs() {}

    public static Recommendation toRecommendation(Object value, Objective objective, int maxItems) {
        if (!(value instanceof Struct p)) {
            throw new DataException("expected a Prediction struct, got "
                    + (value == null ? "null" : value.getClass().getName()));
        }
        try {
            List<String> stages = new ArrayList<>();
            for (Object s : p.getArray("stages")) stages.add((String) s);
            List<Recommendation.Candidate> candidates = new ArrayList<>();
            for (Object o : p.getArray("candidates")) {
                Struct c = (Struct) o;
                List<Object> probs = c.getArray("probabilities");
                float[] f = new float[probs.size()];
                for (int i = 0; i < f.length; i++) f[i] = ((Number) probs.get(i)).floatValue();
                Object price = c.schema().field("price") == null ? null : c.get("price");
                candidates.add(new Recommendation.Candidate(
                        c.getString("item_id"), f, price == null ? null : ((Number) price).doubleValue()));
            }
            Object asOf = p.get("features_as_of");
            return new Recommendation(
                    p.getString("user_id"),
                    p.getString("request_id"),
                    millis(p.get("request_time")),
                    p.getString("model_name"),
                    p.getString("model_version"),
                    asOf == null ? null : millis(asOf),
                    millis(p.getStruct("timings").get("scored_at")),
                    stages,
                    objective.toString(),
                    Recommendation.rank(stages, candidates, objective, maxItems));
        } catch (DataException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new DataException("not a Prediction: " + e.getMessage(), e);
        }
    }

    private static long millis(Object v) {
        if (v instanceof Date d) return d.getTime();
        if (v instanceof Number n) return n.longValue();
        throw new DataException("expected a timestamp, got "
                + (v == null ? "null" : v.getClass().getName()));
    }
}
