package dev.tandem.platform.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.datasets.generator.EventFileFormat;
import dev.tandem.datasets.generator.EventFileWriter;
import dev.tandem.datasets.generator.GeneratorConfig;
import dev.tandem.datasets.generator.SyntheticWorld;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.topics.TopicSpec;
import dev.tandem.testkit.SharedData;
import dev.tandem.testkit.TandemClusterExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** replay, generate and bench against a real broker and registry, through the CLI as a user runs them. */
class KafkaCommandsIT {
    @RegisterExtension
    static final TandemClusterExtension CLUSTER = new TandemClusterExtension();

    @TempDir
    Path dir;

    private String topic(String name) {
        CLUSTER.createTopics(new TopicSpec(name, 4, Map.of()));
        return name;
    }

    private String[] kafkaArgs() {
        return new String[] {"--bootstrap", CLUSTER.bootstrapServers(), "--registry", CLUSTER.registryUrl()};
    }

    private CliRun run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(kafkaArgs()));
        return CliRun.run(all.toArray(String[]::new));
    }

    @Test
    void replaySendsEveryGoodRowAndReportsTheCutOffLastLine() throws IOException {
        Path csv = dir.resolve("generated.csv");
        try (EventFileWriter w = new EventFileWriter(csv, EventFileFormat.TAOBAO, null)) {
            SyntheticWorld.create(GeneratorConfig.of(200, 1_000, 5_000, 3))
                    .events()
                    .forEachRemaining(e -> {
                        try {
                            w.write(e);
                        } catch (IOException ex) {
                            throw new RuntimeException(ex);
                        }
                    });
        }
        List<String> lines = Files.readAllLines(csv);
        Files.writeString(csv, "1234,5678,91", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        String topic = topic("replay-generated");

        CliRun r = run("replay", "--format", "taobao", "--topic", topic, csv.toString());

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("rows read 5,001, events sent 5,000, malformed lines 1");
        assertThat(r.err()).contains("line 5001: last line is cut off (no newline at end of file): expected 5 fields");
        List<ConsumerRecord<String, UserEvent>> records =
                Topics.readExactly(CLUSTER.bootstrapServers(), CLUSTER.registryUrl(), topic, 5_000);
        assertThat(records).hasSize(5_000);
        Set<String> ids = new HashSet<>();
        for (ConsumerRecord<String, UserEvent> rec : records) {
            UserEvent e = rec.value();
            assertThat(rec.key()).isEqualTo(e.getUserId());
            assertThat(e.getEventId()).startsWith("taobao:generated.csv:");
            int line = Integer.parseInt(e.getEventId().substring("taobao:generated.csv:".length()));
            String[] f = lines.get(line - 1).split(",");
            assertThat(List.of(e.getUserId(), e.getItemId(), e.getCategoryId())).containsExactly(f[0], f[1], f[2]);
            assertThat(e.getEventTime().getEpochSecond()).isEqualTo(Long.parseLong(f[4]));
            ids.add(e.getEventId());
        }
        assertThat(ids).hasSize(5_000);
    }

    @Test
    void replayOfTheSharedTaobaoSampleSendsAllRows() {
        Path sample = SharedData.taobaoSample();
        String topic = topic("replay-shared-sample");

        CliRun r = run("replay", "--format", "taobao", "--topic", topic, sample.toString());

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("rows read 10,000, events sent 10,000, malformed lines 0");
        List<ConsumerRecord<String, UserEvent>> records =
                Topics.readExactly(CLUSTER.bootstrapServers(), CLUSTER.registryUrl(), topic, 10_000);
        assertThat(records).hasSize(10_000);
        assertThat(records).allMatch(rec -> rec.key().equals(rec.value().getUserId()));
        assertThat(records)
                .extracting(rec -> rec.value().getEventId())
                .doesNotHaveDuplicates()
                .allMatch(id -> id.matches("taobao:taobao-userbehavior-114users\\.csv:\\d+"));
        assertThat(records.stream().map(ConsumerRecord::key).distinct().count()).isEqualTo(114);
    }

    @Test
    void strictReplayFailsWithOneLineNamingTheLine() throws IOException {
        Path csv = Files.writeString(
                dir.resolve("bad.csv"), "1,2,3,pv,1511848894\n1,2,3,look,1511848895\n1,2,3,pv,1511848896\n");

        CliRun r = run("replay", "--format", "taobao", "--strict", "--topic", topic("replay-strict"), csv.toString());

        assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err())
                .contains("line 2")
                .contains("unknown behaviour 'look'")
                .contains("--strict");
    }

    @Test
    void generateSendsEventsAndTheCatalog() {
        String topic = topic("generated-events");

        CliRun r = run("generate", "--events", "3000", "--users", "100", "--items", "400", "--topic", topic);

        assertThat(r.exitCode()).as(r.err()).isZero();
        List<ConsumerRecord<String, UserEvent>> events =
                Topics.readExactly(CLUSTER.bootstrapServers(), CLUSTER.registryUrl(), topic, 3_000);
        assertThat(events)
                .hasSize(3_000)
                .allMatch(rec -> rec.key().equals(rec.value().getUserId()));
        assertThat(events.get(0).value().getEventId()).startsWith("gen-42-");
        List<ConsumerRecord<String, ItemMetadata>> items =
                Topics.readExactly(CLUSTER.bootstrapServers(), CLUSTER.registryUrl(), "items", 400);
        assertThat(items)
                .hasSize(400)
                .allMatch(rec -> rec.key().equals(rec.value().getItemId()));
    }

    @Test
    void benchReplayWritesTheMetrics() throws IOException {
        Path json = dir.resolve("replay.json");

        CliRun r = CliRun.run(
                "bench",
                "replay",
                "--events",
                "20000",
                "--warmup",
                "2000",
                "--json",
                json.toString(),
                "--bootstrap",
                CLUSTER.bootstrapServers(),
                "--registry",
                CLUSTER.registryUrl());

        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertThat(root.get("scenario").asText()).isEqualTo("replay");
        JsonNode m = root.get("metrics");
        assertThat(m.get("events").asLong()).isEqualTo(20_000);
        assertThat(m.get("events_per_sec").asDouble()).isPositive();
        assertThat(m.get("baseline_records_per_sec").asDouble()).isPositive();
        assertThat(m.get("ratio_to_baseline").asDouble())
                .isCloseTo(
                        m.get("events_per_sec").asDouble()
                                / m.get("baseline_records_per_sec").asDouble(),
                        org.assertj.core.data.Offset.offset(0.002));
        // A Taobao event in Avro: 5-byte header, ids, enum, timestamp, nulls, empty map; ~40-70 bytes.
        assertThat(m.get("bytes_per_event").asDouble()).isBetween(30.0, 120.0);
    }
}
