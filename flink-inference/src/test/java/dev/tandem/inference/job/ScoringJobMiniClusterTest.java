package dev.tandem.inference.job;

import static dev.tandem.inference.Fixtures.SPEC;
import static dev.tandem.inference.Fixtures.candidate;
import static dev.tandem.inference.Fixtures.features;
import static dev.tandem.inference.Fixtures.item;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.inference.Fixtures;
import dev.tandem.inference.MiniClusters;
import dev.tandem.inference.core.DeadLetter;
import dev.tandem.inference.core.RawRecord;
import dev.tandem.model.features.EncodedBatch;
import dev.tandem.model.features.FeatureEncoder;
import dev.tandem.schemas.Candidate;
import dev.tandem.schemas.CandidateScore;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.UserFeatures;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

class ScoringJobMiniClusterTest {
    @RegisterExtension
    static final MiniClusterExtension MINI = MiniClusters.withoutRestarts(2);

    static final Map<String, ConcurrentLinkedQueue<Prediction>> RESULTS = new ConcurrentHashMap<>();
    static final Map<String, ConcurrentLinkedQueue<DeadLetter>> DEAD = new ConcurrentHashMap<>();
    /** An in-process registry (same JVM as the MiniCluster). */
    static final String REGISTRY = "mock://scoring-minicluster";

    /** Collects into {@link #RESULTS} (same JVM as the MiniCluster). */
    record CollectSink(String id) implements Sink<Prediction> {
        @Override
        public SinkWriter<Prediction> createWriter(WriterInitContext context) {
            return new QueueWriter<>(RESULTS.computeIfAbsent(id, k -> new ConcurrentLinkedQueue<>()));
        }
    }

    /** Collects into {@link #DEAD}. */
    record DeadSink(String id) implements Sink<DeadLetter> {
        @Override
        public SinkWriter<DeadLetter> createWriter(WriterInitContext context) {
            return new QueueWriter<>(DEAD.computeIfAbsent(id, k -> new ConcurrentLinkedQueue<>()));
        }
    }

    /** A job with raw request bytes and collecting sinks keyed by {@code id}. */
    static ScoringJob job(
            String id,
            List<RawRecord> requests,
            List<UserFeatures> feats,
            List<ItemMetadata> catalog,
            ScoringConfig config) {
        return builder(id, requests, feats, catalog, config).build();
    }

    /** The job on bounded lists, collecting sinks and a fake scorer; {@code config}'s registry is replaced by {@link #REGISTRY}. */
    static ScoringJob.Builder builder(
            String id,
            List<RawRecord> requests,
            List<UserFeatures> feats,
            List<ItemMetadata> catalog,
            ScoringConfig config) {
        return ScoringJob.builder(config.toBuilder().schemaRegistryUrl(REGISTRY).build())
                .requests(bounded(requests, RawRecord.class))
                .features(bounded(feats, UserFeatures.class), bounded(catalog, ItemMetadata.class))
                .predictions(new CollectSink(id))
                .deadLetters(new DeadSink(id))
                .scorer(new Fixtures.FakeScorerFactory(id));
    }

    /** Adds every element to {@code q}; the collecting sinks of the job tests write through it. */
    record QueueWriter<T>(ConcurrentLinkedQueue<T> q) implements SinkWriter<T> {
        @Override
        public void write(T p, Context ctx) {
            q.add(p);
        }

        @Override
        public void flush(boolean endOfInput) {}

        @Override
        public void close() {}
    }

    /** A bounded source of exactly these elements (split across readers by index). */
    static <T> DataGeneratorSource<T> bounded(List<T> elements, Class<T> type) {
        ArrayList<T> copy = new ArrayList<>(elements);
        GeneratorFunction<Long, T> f = i -> copy.get(i.intValue());
        return new DataGeneratorSource<>(f, copy.size(), TypeInformation.of(type));
    }

    @Test
    @Timeout(120)
    void everyRequestGetsOnePredictionWithEveryCandidateEqualToOfflineScoring() throws Exception {
        int users = 25;
        int n = 400;
        List<UserFeatures> feats = new ArrayList<>();
        Map<String, UserFeatures> byUser = new HashMap<>();
        for (int u = 0; u < users; u += 2) { // odd users never have features
            UserFeatures f = features("u" + u, 1_000_000 + u, 1 + u % 8, 1 + u % 8);
            feats.add(f);
            byUser.put("u" + u, f);
        }
        // the catalog: its items are also given in requests with the same metadata, so the
        // outcome does not depend on whether the broadcast arrived first
        List<ItemMetadata> catalog = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            catalog.add(item("cat-item-" + i, "c" + (i % 4), "b" + (i % 3), 5.0 * i));
        }
        List<ScoringRequest> requests = new ArrayList<>();
        int candidatesTotal = 0;
        for (int r = 0; r < n; r++) {
            List<Candidate> c = new ArrayList<>();
            int k = 1 + r % 9;
            for (int j = 0; j < k; j++) {
                c.add(
                        j % 3 == 0
                                ? candidate(catalog.get((r + j) % catalog.size()))
                                : candidate("unknown-" + r + "-" + j));
            }
            candidatesTotal += k;
            requests.add(ScoringRequest.newBuilder()
                    .setRequestId("req-" + r)
                    .setUserId("u" + (r % users))
                    .setRequestTime(Instant.ofEpochMilli(2_000_000 + r * 1_000L))
                    .setCandidates(c)
                    .build());
        }

        String id = UUID.randomUUID().toString();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        Configuration jc = new Configuration();
        jc.set(PipelineOptions.GENERIC_TYPES, false); // no Kryo anywhere: POJO and Avro serializers only
        env.configure(jc);
        ScoringConfig config = ScoringConfig.builder()
                .batching(64, Duration.ofMillis(20))
                .parallelism(2)
                .checkpointInterval(Duration.ZERO)
                .build();
        job(id, Fixtures.raw(requests, REGISTRY), feats, catalog, config).execute(env);

        List<Prediction> out = new ArrayList<>(RESULTS.get(id));
        assertThat(out).hasSize(n);
        assertThat(out).extracting(p -> p.getRequestId().toString()).doesNotHaveDuplicates();
        assertThat(out.stream().mapToInt(p -> p.getCandidates().size()).sum()).isEqualTo(candidatesTotal);
        assertThat(Fixtures.CALLS.get(id)).allMatch(rows -> rows <= 64);

        Map<String, ScoringRequest> byId = new HashMap<>();
        requests.forEach(r -> byId.put(r.getRequestId(), r));
        FeatureEncoder enc = new FeatureEncoder(SPEC);
        for (Prediction p : out) {
            ScoringRequest r = byId.get(p.getRequestId().toString());
            UserFeatures f = byUser.get(r.getUserId());
            if (p.getFeaturesAsOf() != null) {
                assertThat(p.getFeaturesAsOf()).isEqualTo(f.getAsOf());
            } else {
                f = null; // the request overtook its features: scored with an empty history
            }
            assertThat(p.getStages()).extracting(Object::toString).containsExactly("CART", "PURCHASE");
            assertThat(p.getCandidates())
                    .extracting(c -> c.getItemId().toString())
                    .containsExactlyElementsOf(
                            r.getCandidates().stream().map(Candidate::getItemId).toList());
            assertThat(p.getCandidates())
                    .extracting(CandidateScore::getProbabilities)
                    .containsExactlyElementsOf(offline(enc, r, f, c -> null));
        }
    }

    @Test
    @Timeout(120)
    void malformedRequestsGoToDeadLettersWithTheirOriginalBytesAndScoringContinues() throws Exception {
        String id = UUID.randomUUID().toString();
        List<ScoringRequest> good = new ArrayList<>();
        for (int r = 0; r < 60; r++) {
            good.add(Fixtures.request("good-" + r, "u" + r % 7, 2_000_000 + r, "i" + r, "j" + r));
        }
        String longId = "x".repeat(33);
        // bad records, by expected reason
        Map<String, RawRecord> bad = new HashMap<>();
        bad.put("deserialization", Fixtures.rawBytes("u1".getBytes(), new byte[] {1, 2, 3, 4, 5}, 0));
        bad.put("null-value", Fixtures.rawBytes("u2".getBytes(), null, 0));
        bad.put(
                "missing-user-id",
                Fixtures.rawBytes(null, Fixtures.encoded(Fixtures.request("r-nouser", "", 1, "i"), REGISTRY), 0));
        bad.put(
                "no-candidates",
                Fixtures.rawBytes(
                        "u3".getBytes(),
                        Fixtures.encoded(Fixtures.request("r-empty", "u3", 1, new String[0]), REGISTRY),
                        0));
        bad.put(
                "id-too-long",
                Fixtures.rawBytes(
                        "u4".getBytes(),
                        Fixtures.encoded(Fixtures.request("r-long", "u4", 1, "i", longId), REGISTRY),
                        0));
        // the wire format's magic byte and a schema id nobody registered
        byte[] unknownSchema = {0, 0x7f, 0x7f, 0x7f, 0x7f, 2, 4};
        bad.put("deserialization-unknown-schema", Fixtures.rawBytes("u5".getBytes(), unknownSchema, 0));

        List<RawRecord> raw = new ArrayList<>(Fixtures.raw(good, REGISTRY));
        int at = 5;
        for (RawRecord b : bad.values()) {
            raw.add(at, b);
            at += 9;
        }
        for (int i = 0; i < raw.size(); i++) {
            raw.get(i).offset = i; // the source offset the headers must report
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        Configuration jc = new Configuration();
        jc.set(PipelineOptions.GENERIC_TYPES, false);
        env.configure(jc);
        ScoringConfig config = ScoringConfig.builder()
                .batching(16, Duration.ofMillis(5))
                .parallelism(2)
                .checkpointInterval(Duration.ZERO)
                .maxIdLength(32)
                .build();
        job(id, raw, List.of(features("u0", 1_000_000, 2, 1)), List.of(item("not-requested", "c", "b", 1.0)), config)
                .execute(env);

        assertThat(RESULTS.get(id))
                .extracting(p -> p.getRequestId().toString())
                .containsExactlyInAnyOrderElementsOf(
                        good.stream().map(ScoringRequest::getRequestId).toList());
        List<DeadLetter> dead = new ArrayList<>(DEAD.get(id));
        assertThat(dead).hasSize(bad.size());
        for (Map.Entry<String, RawRecord> e : bad.entrySet()) {
            RawRecord b = e.getValue();
            DeadLetter d = dead.stream()
                    .filter(x -> x.sourceOffset == b.offset)
                    .findFirst()
                    .orElseThrow();
            assertThat(d.reason).isEqualTo(e.getKey().startsWith("deserialization") ? "deserialization" : e.getKey());
            assertThat(d.key).isEqualTo(b.key);
            assertThat(d.value).isEqualTo(b.value);
            assertThat(d.sourceTopic).isEqualTo("scoring-requests");
            assertThat(d.sourcePartition).isZero();
            assertThat(d.timestamp).isEqualTo(b.timestamp);
            assertThat(d.errorClass).isNotBlank();
            assertThat(d.errorMessage).isNotBlank();
        }
    }

    @Test
    @Timeout(60)
    void theBatcherIsChainedToTheJoin() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        job(
                        "graph",
                        Fixtures.raw(List.of(Fixtures.request("r", "u", 1, "i")), REGISTRY),
                        List.of(features("u", 1, 1, 1)),
                        List.of(item("i", "c", "b", 1.0)),
                        ScoringConfig.builder().parallelism(2).build())
                .build(env);
        List<String> vertices = new ArrayList<>();
        for (JobVertex v : env.getStreamGraph().getJobGraph().getVertices()) {
            vertices.add(v.getName());
        }
        assertThat(vertices)
                .anySatisfy(name -> assertThat(name).contains("join-features").contains("micro-batch-score"));
    }

    /** Scores one request outside Flink: the model's encoder, one batch, the same scorer function. */
    static List<List<Float>> offline(
            FeatureEncoder enc, ScoringRequest r, UserFeatures f, Function<String, ItemMetadata> catalog) {
        EncodedBatch b = Fixtures.encode(enc, r, f, catalog);
        float[] p = Fixtures.fakeScores(b, 2);
        List<List<Float>> out = new ArrayList<>();
        for (int i = 0; i < b.rows(); i++) {
            out.add(List.of(p[2 * i], p[2 * i + 1]));
        }
        return out;
    }
}
