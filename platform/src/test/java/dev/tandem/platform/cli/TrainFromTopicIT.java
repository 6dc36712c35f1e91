package dev.tandem.platform.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.datasets.generator.EventFileFormat;
import dev.tandem.datasets.generator.EventFileWriter;
import dev.tandem.datasets.generator.GeneratedEvent;
import dev.tandem.datasets.generator.GeneratorConfig;
import dev.tandem.datasets.generator.SyntheticWorld;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.kafka.KafkaEndpoints;
import dev.tandem.schemas.topics.TopicSpec;
import dev.tandem.testkit.TandemClusterExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem train --data kafka:TOPIC} against a real broker and registry: the same examples and model as from the file. */
class TrainFromTopicIT {
    @RegisterExtension
    static final TandemClusterExtension CLUSTER = new TandemClusterExtension();

    static final String TOPIC = "train-events";
    static final Duration HORIZON = Duration.ofMinutes(10);
    static final int EVENTS = 6_000;

    @TempDir
    static Path dir;

    static Path csv;

    @BeforeAll
    static void replayAGeneratedLogIntoATopic() throws Exception {
        csv = dir.resolve("generated.csv");
        SyntheticWorld world = SyntheticWorld.create(GeneratorConfig.of(150, 800, EVENTS, 17));
        try (EventFileWriter w = new EventFileWriter(csv, EventFileFormat.TAOBAO, null)) {
            for (Iterator<GeneratedEvent> it = world.events(); it.hasNext(); ) w.write(it.next());
        }
        CLUSTER.createTopics(new TopicSpec(TOPIC, 4, Map.of()));
        CliRun replay = CliRun.run(
                "replay",
                "--format",
                "taobao",
                "--topic",
                TOPIC,
                csv.toString(),
                "--bootstrap",
                CLUSTER.bootstrapServers(),
                "--registry",
                CLUSTER.registryUrl());
        assertThat(replay.exitCode()).as(replay.err()).isZero();
        // two records that are no UserEvent: bytes without our wire format, and a tombstone
        Properties p = new Properties();
        p.putAll(CLUSTER.producerProps());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>(
                            TOPIC, "u1".getBytes(StandardCharsets.UTF_8), "not avro".getBytes(StandardCharsets.UTF_8)))
                    .get();
            producer.send(new ProducerRecord<>(TOPIC, "u2".getBytes(StandardCharsets.UTF_8), null))
                    .get();
        }
    }

    private static String[] withKafka(String... args) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 4);
        all[args.length] = "--bootstrap";
        all[args.length + 1] = CLUSTER.bootstrapServers();
        all[args.length + 2] = "--registry";
        all[args.length + 3] = CLUSTER.registryUrl();
        return all;
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theTopicGivesTheSameExamplesAsTheFileAndCountsBadRecords() {
        KafkaEndpoints endpoints = new KafkaEndpoints(CLUSTER.bootstrapServers(), CLUSTER.registryUrl());
        ModelData.TopicRead read = ModelData.readTopic(endpoints, TOPIC, Duration.ofSeconds(20));
        List<UserEvent> fromFile = ModelData.read(csv, ModelData.Format.TAOBAO);

        assertThat(read.partitions()).isEqualTo(4);
        assertThat(read.records()).isEqualTo(EVENTS + 2);
        assertThat(read.badRecords()).isEqualTo(2);
        assertThat(read.firstBadReasons())
                .hasSize(2)
                .anySatisfy(r -> assertThat(r).contains("tombstone"));
        java.util.Comparator<UserEvent> byId = java.util.Comparator.comparing(UserEvent::getEventId);
        assertThat(read.events().stream().sorted(byId).toList())
                .containsExactlyElementsOf(fromFile.stream().sorted(byId).toList());
        assertThat(read.events()).isSortedAccordingTo(java.util.Comparator.comparing(UserEvent::getEventTime));

        FeatureSpec spec = FeatureSpec.defaults(SequencePolicy.defaults());
        ExampleSet a = ModelData.examples(fromFile, csv.toString(), spec, HORIZON);
        ExampleSet b = ModelData.examples(read.events(), "kafka:" + TOPIC, spec, HORIZON);
        assertThat(a.size()).isGreaterThan(1_000);
        assertThat(b.stats()).isEqualTo(a.stats());
        assertThat(b.trainCount()).isEqualTo(a.trainCount());
        assertThat(b.exposureEventIds()).containsExactly(a.exposureEventIds());
        assertThat(b.exposureTimeMs()).containsExactly(a.exposureTimeMs());
        assertThat(b.labels()).containsExactly(a.labels());
        assertThat(b.mask()).containsExactly(a.mask());
        assertThat(b.nextCategory()).containsExactly(a.nextCategory());
        for (String input : List.of(
                "seq_item",
                "seq_category",
                "seq_action",
                "seq_time_gap",
                "cand_item",
                "cand_category",
                "cand_brand",
                "cand_price_bucket")) {
            assertThat(b.features().ints(input))
                    .as(input)
                    .containsExactly(a.features().ints(input));
        }
        assertThat(b.features().floats("user_dense"))
                .containsExactly(a.features().floats("user_dense"));
        assertThat(b.features().floats("cand_history"))
                .containsExactly(a.features().floats("cand_history"));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aModelTrainedFromTheTopicHasTheCardOfOneTrainedFromTheFile() throws Exception {
        Path config = Files.writeString(
                dir.resolve("model.json"),
                "{\"embeddingDim\": 8, \"hidden\": [16], \"towerHidden\": [8], \"epochs\": 2, \"batchSize\": 128, \"seed\": 5}");
        Path models = dir.resolve("models");

        CliRun fromTopic = CliRun.run(withKafka(
                "train",
                "--data",
                "kafka:" + TOPIC,
                "--config",
                config.toString(),
                "--out",
                models.toString(),
                "--name",
                "funnel",
                "--version",
                "topic",
                "--horizon",
                "10m"));
        CliRun fromFile = CliRun.run(
                "train",
                "--data",
                csv.toString(),
                "--format",
                "taobao",
                "--config",
                config.toString(),
                "--out",
                models.toString(),
                "--name",
                "funnel",
                "--version",
                "file",
                "--horizon",
                "10m");

        assertThat(fromTopic.exitCode()).as(fromTopic.err()).isZero();
        assertThat(fromFile.exitCode()).as(fromFile.err()).isZero();
        assertThat(fromTopic.err())
                .contains(
                        "read topic '" + TOPIC + "'",
                        "6,002 records, 6,000 events, 2 bad records",
                        "bad record at partition");
        assertThat(fromTopic.out()).contains("model written to");
        ObjectMapper json = new ObjectMapper();
        JsonNode t = json.readTree(models.resolve("funnel")
                .resolve("topic")
                .resolve("model-card.json")
                .toFile());
        JsonNode f = json.readTree(models.resolve("funnel")
                .resolve("file")
                .resolve("model-card.json")
                .toFile());
        assertThat(t.path("stages").path("CART").path("auc").isNumber())
                .as(t.toString())
                .isTrue();
        for (String field : List.of("stages", "baselines", "calibration", "data", "training")) {
            JsonNode tt = t.path(field).deepCopy();
            JsonNode ff = f.path(field).deepCopy();
            if (field.equals("training")) { // wall-clock speed differs run to run
                ((com.fasterxml.jackson.databind.node.ObjectNode) tt).remove("train_examples_per_sec");
                ((com.fasterxml.jackson.databind.node.ObjectNode) ff).remove("train_examples_per_sec");
            }
            assertThat(tt).as(field).isEqualTo(ff);
        }

        // evaluate reads the topic the same way: the exported model reproduces its card
        Path figures = dir.resolve("eval.json");
        CliRun eval = CliRun.run(withKafka(
                "evaluate",
                "--model",
                models.resolve("funnel").resolve("topic").toString(),
                "--data",
                "kafka:" + TOPIC,
                "--json",
                figures.toString()));
        assertThat(eval.exitCode()).as(eval.err()).isZero();
        JsonNode e = json.readTree(figures.toFile());
        assertThat(e.path("data").asText()).isEqualTo("kafka:" + TOPIC);
        for (String stage : List.of("CART", "PURCHASE")) {
            assertThat(e.path("stages").path(stage).path("auc").asDouble())
                    .as(stage)
                    .isCloseTo(
                            t.path("stages").path(stage).path("auc").asDouble(),
                            org.assertj.core.data.Offset.offset(1e-4));
            assertThat(e.path("stages").path(stage).path("positives"))
                    .isEqualTo(t.path("stages").path(stage).path("positives"));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void readingStopsAtTheEndOffsetsSeenAtStartWhileAProducerKeepsWriting() throws Exception {
        String live = "train-live";
        CLUSTER.createTopics(new TopicSpec(live, 2, Map.of()));
        Properties p = new Properties();
        p.putAll(CLUSTER.producerProps());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (int i = 0; i < 500; i++)
                producer.send(new ProducerRecord<>(live, new byte[] {(byte) i}, new byte[] {1, 2, 3}));
            producer.flush();
            Thread writer = new Thread(() -> {
                while (!stop.get()) {
                    producer.send(new ProducerRecord<>(live, new byte[] {7}, new byte[] {1, 2, 3}));
                    sent.incrementAndGet();
                }
            });
            writer.start();
            try {
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> sent.get() > 1_000);
                ModelData.TopicRead read = ModelData.readTopic(
                        new KafkaEndpoints(CLUSTER.bootstrapServers(), CLUSTER.registryUrl()),
                        live,
                        Duration.ofSeconds(20));
                assertThat(writer.isAlive())
                        .as("the producer was still writing when the read ended")
                        .isTrue();
                assertThat(read.records()).isGreaterThanOrEqualTo(500).isEqualTo(read.badRecords());
                assertThat(read.events()).isEmpty();
            } finally {
                stop.set(true);
                writer.join();
            }
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aMissingTopicIsOneLineAndIsNotCreated() throws Exception {
        CliRun r = CliRun.run(withKafka(
                "train",
                "--data",
                "kafka:no-such-topic",
                "--out",
                dir.resolve("m").toString()));

        assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(r.errLines())
                .containsExactly("tandem: topic 'no-such-topic' does not exist at " + CLUSTER.bootstrapServers());
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", CLUSTER.bootstrapServers()))) {
            assertThat(admin.listTopics().names().get(10, TimeUnit.SECONDS)).doesNotContain("no-such-topic");
        }
    }
}
