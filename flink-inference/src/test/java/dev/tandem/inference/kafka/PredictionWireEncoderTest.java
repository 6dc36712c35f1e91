package dev.tandem.inference.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.inference.core.FloatSlice;
import dev.tandem.schemas.CandidateScore;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.PredictionTimings;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.serde.WireFormat;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PredictionWireEncoderTest {
    private static final String TOPIC = "predictions";

    private static Prediction random(Random r) {
        int n = r.nextInt(4) == 0 ? 0 : 1 + r.nextInt(40);
        List<String> stages = r.nextBoolean() ? List.of("CART", "PURCHASE") : List.of("VIEW", "CART", "PURCHASE");
        List<CandidateScore> cands = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<Float> probs = new ArrayList<>();
            for (int k = 0; k < stages.size(); k++) probs.add(r.nextInt(10) == 0 ? Float.NaN : r.nextFloat());
            String id = r.nextInt(5) == 0 ? "ü-日本-" + r.nextInt() : Long.toString(100_001L + r.nextInt(1_000_000));
            cands.add(CandidateScore.newBuilder()
                    .setItemId(id)
                    .setProbabilities(probs)
                    .setPrice(r.nextBoolean() ? null : r.nextInt(10_000) / 100.0)
                    .build());
        }
        return Prediction.newBuilder()
                .setRequestId("r-" + r.nextLong())
                .setUserId(r.nextBoolean() ? "" : "u" + r.nextInt())
                .setModelName("m")
                .setModelVersion("v" + r.nextInt(3))
                .setFeaturesAsOf(r.nextBoolean() ? null : Instant.ofEpochMilli(r.nextLong() >> 20))
                .setRequestTime(Instant.ofEpochMilli(r.nextLong() >> 20))
                .setStages(stages)
                .setCandidates(cands)
                .setTimings(PredictionTimings.newBuilder()
                        .setReceivedAt(Instant.ofEpochMilli(r.nextInt() & 0x7fffffff))
                        .setScoredAt(Instant.ofEpochMilli(-r.nextInt(1000)))
                        .setQueueMicros(r.nextLong())
                        .setModelMicros(r.nextInt(1 << 20))
                        .setBatchRows(r.nextInt())
                        .build())
                .setUserInputs(userInputs(r))
                .build();
    }

    /** None, or up to 9 named floats (NaN and non-ASCII names included), in insertion order. */
    private static Map<String, Float> userInputs(Random r) {
        Map<String, Float> m = new java.util.LinkedHashMap<>();
        int n = r.nextInt(3) == 0 ? 0 : 1 + r.nextInt(9);
        for (int i = 0; i < n; i++) {
            String name = r.nextInt(6) == 0 ? "usér_" + i : "user_cart_" + i + "h";
            m.put(name, r.nextInt(10) == 0 ? Float.NaN : r.nextFloat() * 1.5f);
        }
        return m;
    }

    /** As PredictionAssembler builds them: each candidate's floats a view of one array. */
    private static Prediction withFloatSlices(Prediction p) {
        Prediction copy = Prediction.newBuilder(p).build();
        int k = p.getStages().size();
        float[] all = new float[p.getCandidates().size() * k + 3];
        List<CandidateScore> cands = new ArrayList<>();
        for (int i = 0; i < p.getCandidates().size(); i++) {
            CandidateScore c = p.getCandidates().get(i);
            for (int t = 0; t < k; t++)
                all[3 + i * k + t] = c.getProbabilities().get(t);
            cands.add(CandidateScore.newBuilder()
                    .setItemId(c.getItemId())
                    .setProbabilities(new FloatSlice(all, 3 + i * k, k))
                    .setPrice(c.getPrice())
                    .build());
        }
        copy.setCandidates(cands);
        copy.setUserInputs(p.getUserInputs()); // the builder's deep copy is a HashMap, in another order
        return copy;
    }

    @Test
    void writesTheRegistrySerializersBytesExactly() {
        SchemaRegistryClient registry = SchemaRegistryClients.forUrl("mock://prediction-wire", Map.of());
        TandemAvroSerializer<Prediction> reference = new TandemAvroSerializer<>(registry, false);
        TandemAvroDeserializer<Prediction> reader = new TandemAvroDeserializer<>(Prediction.class, registry, false);
        Random r = new Random(7);
        byte[] first = reference.serialize(TOPIC, random(r));
        PredictionWireEncoder fast = new PredictionWireEncoder(Arrays.copyOf(first, WireFormat.HEADER_SIZE));
        for (int i = 0; i < 2_000; i++) {
            Prediction p = random(r);
            byte[] expected = reference.serialize(TOPIC, p);
            byte[] actual = fast.encode(p);
            assertThat(actual).as("prediction %d: %s", i, p).isEqualTo(expected);
            Prediction read = reader.deserialize(TOPIC, actual);
            // a map reads back as a HashMap: its order is not the written one, its entries are
            assertThat(new java.util.TreeMap<>(read.getUserInputs()))
                    .isEqualTo(new java.util.TreeMap<>(p.getUserInputs()));
            read.setUserInputs(p.getUserInputs());
            assertThat(read.toString()).isEqualTo(p.toString());
            assertThat(fast.encode(withFloatSlices(p)))
                    .as("prediction %d with FloatSlice probabilities", i)
                    .isEqualTo(expected);
        }
    }
}
