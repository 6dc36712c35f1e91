package dev.tandem.connect.sink;

import dev.tandem.connect.serving.Objective;
import dev.tandem.connect.serving.Recommendation;
import dev.tandem.schemas.CandidateScore;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.connect.errors.DataException;

/**
 * A {@code predictions} record's value, whichever way the connector's converter hands it over, as the ranked
 * {@link Recommendation} a sink stores: a Connect {@code Struct} ({@code TandemAvroConverter}, see
 * {@link PredictionStructs}) or the registry's wire-format bytes ({@code ByteArrayConverter}), decoded here straight
 * into a {@link Prediction} with the sink's {@code schema.registry.url}. The bytes path skips building and validating a
 * Connect struct per record, which cost a sink task about as much CPU as ranking and storing it. Anything that is not
 * a prediction throws {@link DataException}, which the sinks route to Connect's dead letters.
 */
public final class PredictionDecoder implements AutoCloseable {
    private final Objective objective;
    private final int maxItems;
    private final TandemAvroDeserializer<Prediction> bytes;

    public PredictionDecoder(ServingSinkConfig config) {
        this.objective = config.objective();
        this.maxItems = config.maxItems();
        String url = config.getString(ServingSinkConfig.REGISTRY_URL);
        this.bytes = url == null
                ? null
                : new TandemAvroDeserializer<>(
                        Prediction.class, SchemaRegistryClients.forUrl(url, config.originals()), false);
    }

    public Recommendation toRecommendation(String topic, Object value) {
        if (value instanceof byte[] b) return fromBytes(topic, b);
        return PredictionStructs.toRecommendation(value, objective, maxItems);
    }

    private Recommendation fromBytes(String topic, byte[] value) {
        if (bytes == null) {
            throw new DataException("got raw bytes but " + ServingSinkConfig.REGISTRY_URL
                    + " is not set: set it, or use TandemAvroConverter as the value converter");
        }
        Prediction p;
        try {
            p = bytes.deserialize(topic, value);
        } catch (SerializationException e) {
            throw new DataException("not a Prediction in the registry's wire format: " + e.getMessage(), e);
        }
        try {
            return of(p, objective, maxItems);
        } catch (RuntimeException e) {
            throw new DataException("not a valid Prediction: " + e.getMessage(), e);
        }
    }

    static Recommendation of(Prediction p, Objective objective, int maxItems) {
        List<String> stages = new ArrayList<>(p.getStages().size());
        for (CharSequence s : p.getStages()) stages.add(s.toString());
        List<Recommendation.Candidate> candidates =
                new ArrayList<>(p.getCandidates().size());
        for (CandidateScore c : p.getCandidates()) {
            List<Float> probs = c.getProbabilities();
            float[] f = new float[probs.size()];
            for (int i = 0; i < f.length; i++) f[i] = probs.get(i);
            candidates.add(new Recommendation.Candidate(c.getItemId().toString(), f, c.getPrice()));
        }
        return new Recommendation(
                p.getUserId().toString(),
                p.getRequestId().toString(),
                p.getRequestTime().toEpochMilli(),
                p.getModelName().toString(),
                p.getModelVersion().toString(),
                p.getFeaturesAsOf() == null ? null : p.getFeaturesAsOf().toEpochMilli(),
                p.getTimings().getScoredAt().toEpochMilli(),
                stages,
                objective.toString(),
                Recommendation.rank(stages, candidates, objective, maxItems));
    }

    @Override
    public void close() {
        if (bytes != null) bytes.close();
    }
}
