package dev.tandem.inference.job;

import static dev.tandem.inference.Fixtures.SPEC;
import static dev.tandem.inference.Fixtures.features;
import static dev.tandem.inference.Fixtures.item;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.inference.Fixtures;
import dev.tandem.inference.MiniClusters;
import dev.tandem.inference.core.DeadLetter;
import dev.tandem.inference.core.RawRecord;
import dev.tandem.model.features.EncodedBatch;
import dev.tandem.model.features.FeatureEncoder;
import dev.tandem.schemas.ModelCommandType;
import dev.tandem.schemas.ModelControl;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.topics.TandemTopics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The model-control wiring of the job graph on a MiniCluster, with fake scorers and bounded sources. */
class ModelControlJobTest {
    @RegisterExtension
    static final MiniClusterExtension MINI = MiniClusters.withoutRestarts(2);

    private static RawRecord control(ModelCommandType type, String version, String location, long offset) {
        ModelControl m = ModelControl.newBuilder()
                .setCommand(type)
                .setModelName("fake")
                .setModelVersion(version)
                .setLocation(location)
                .setIssuedAt(Instant.ofEpochMilli(1))
                .setCommandId("c" + offset)
                .build();
        byte[] value = new TandemAvroSerializer<ModelControl>(
                        SchemaRegistryClients.forUrl(ScoringJobMiniClusterTest.REGISTRY, Map.of()), false)
                .serialize(TandemTopics.MODEL_CONTROL, m);
        return RawRecord.of(TandemTopics.MODEL_CONTROL, 0, offset, 1_000 + offset, "fake".getBytes(), value);
    }

    private static ScoringJob job(
            String id,
            List<ScoringRequest> requests,
            List<UserFeatures> feats,
            List<RawRecord> commands,
            ScoringConfig config) {
        return ScoringJobMiniClusterTest.builder(
                        id,
                        Fixtures.raw(requests, ScoringJobMiniClusterTest.REGISTRY),
                        feats,
                        List.of(item("not-requested", "c", "b", 1.0)),
                        config)
                .modelControl(ScoringJobMiniClusterTest.bounded(commands, RawRecord.class), new ShadowSink(id))
                .build();
    }

    static final Map<String, ConcurrentLinkedQueue<Prediction>> SHADOW = new java.util.concurrent.ConcurrentHashMap<>();

    record ShadowSink(String id) implements org.apache.flink.api.connector.sink2.Sink<Prediction> {
        @Override
        public org.apache.flink.api.connector.sink2.SinkWriter<Prediction> createWriter(
                org.apache.flink.api.connector.sink2.WriterInitContext context) {
            return new ScoringJobMiniClusterTest.QueueWriter<>(
                    SHADOW.computeIfAbsent(id, k -> new ConcurrentLinkedQueue<>()));
        }
    }

    @Test
    @Timeout(60)
    void withModelControlTheBatcherIsStillChainedToTheJoin() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        job(
                        "graph-control",
                        List.of(Fixtures.request("r", "u", 1, "i")),
                        List.of(),
                        List.of(control(ModelCommandType.LOAD, "2", "ok", 0)),
                        ScoringConfig.builder().parallelism(2).build())
                .build(env);
        List<String> vertices = new ArrayList<>();
        for (JobVertex v : env.getStreamGraph().getJobGraph().getVertices()) {
            vertices.add(v.getName());
        }
        assertThat(vertices)
                .anySatisfy(name -> assertThat(name).contains("join-features").contains("micro-batch-score"));
    }

    @Test
    @Timeout(120)
    void commandsReachEverySubtaskAndBadOnesBecomeDeadLettersWhileEveryRequestIsScoredOnce() throws Exception {
        String id = UUID.randomUUID().toString();
        List<ScoringRequest> requests = new ArrayList<>();
        for (int r = 0; r < 300; r++) {
            requests.add(Fixtures.request("req-" + r, "u" + r % 11, 2_000_000 + r, "i" + r, "j" + r % 7));
        }
        List<RawRecord> commands = List.of(
                control(ModelCommandType.LOAD, "2", "ok", 0),
                control(ModelCommandType.ACTIVATE, "2", null, 1),
                control(ModelCommandType.SHADOW, "3", "fail-load", 2),
                RawRecord.of(TandemTopics.MODEL_CONTROL, 0, 3, 1_003, null, new byte[] {7, 7}),
                control(ModelCommandType.LOAD, "", null, 4));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        Configuration jc = new Configuration();
        jc.set(PipelineOptions.GENERIC_TYPES, false); // the control path adds POJOs only, no Kryo
        env.configure(jc);
        ScoringConfig config = ScoringConfig.builder()
                .batching(16, Duration.ofMillis(5))
                .parallelism(2)
                .checkpointInterval(Duration.ZERO)
                .build();
        job(id, requests, List.of(features("u0", 1_000_000, 2, 1)), commands, config)
                .execute(env);

        List<Prediction> out = new ArrayList<>(ScoringJobMiniClusterTest.RESULTS.get(id));
        assertThat(out)
                .extracting(p -> p.getRequestId().toString())
                .containsExactlyInAnyOrderElementsOf(
                        requests.stream().map(ScoringRequest::getRequestId).toList());
        Map<String, ScoringRequest> byId = new HashMap<>();
        requests.forEach(r -> byId.put(r.getRequestId(), r));
        FeatureEncoder enc = new FeatureEncoder(SPEC);
        for (Prediction p : out) { // v1 or v2, whichever was active when it arrived; its values are that version's
            String v = p.getModelVersion().toString();
            assertThat(v).isIn("1", "2");
            ScoringRequest r = byId.get(p.getRequestId().toString());
            EncodedBatch b =
                    Fixtures.encode(enc, r, p.getFeaturesAsOf() == null ? null : features("u0", 1_000_000, 2, 1));
            float[] want = Fixtures.versionedScores(b, 2, v);
            assertThat(p.getCandidates().get(0).getProbabilities()).containsExactly(want[0], want[1]);
            assertThat(p.getCandidates().get(1).getProbabilities()).containsExactly(want[2], want[3]);
        }
        assertThat(SHADOW.getOrDefault(id, new ConcurrentLinkedQueue<>())).isEmpty();

        List<DeadLetter> dead = new ArrayList<>(ScoringJobMiniClusterTest.DEAD.get(id));
        // the undecodable and the invalid record once (decoded before the broadcast); the refused SHADOW once per
        // scoring subtask that acted on it (none when the input ended before its load finished)
        assertThat(dead).filteredOn(d -> d.sourceOffset == 3).singleElement().satisfies(d -> {
            assertThat(d.reason).isEqualTo("deserialization");
            assertThat(d.value).containsExactly(7, 7);
        });
        assertThat(dead)
                .filteredOn(d -> d.sourceOffset == 4)
                .singleElement()
                .satisfies(d -> assertThat(d.reason).isEqualTo("invalid-model-command"));
        assertThat(dead)
                .filteredOn(d -> d.sourceOffset == 2)
                .hasSizeLessThanOrEqualTo(2)
                .allSatisfy(d -> {
                    assertThat(d.reason).isEqualTo("model-refused");
                    assertThat(d.sourceTopic).isEqualTo(TandemTopics.MODEL_CONTROL);
                    assertThat(d.value).isEqualTo(commands.get(2).value);
                });
        assertThat(dead).hasSizeBetween(2, 4);
    }
}
