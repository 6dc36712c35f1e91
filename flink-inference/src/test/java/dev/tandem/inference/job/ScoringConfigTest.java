package dev.tandem.inference.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.inference.job.ScoringConfig.Delivery;
import dev.tandem.inference.job.ScoringConfig.RequestOffsets;
import dev.tandem.schemas.config.ConfigException;
import dev.tandem.schemas.topics.TandemTopics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScoringConfigTest {
    @TempDir
    Path dir;

    private Path file(String... lines) throws IOException {
        return Files.writeString(dir.resolve("scoring.properties"), String.join("\n", lines) + "\n");
    }

    @Test
    void defaultsAreThePlatformsTopicsAndAFreshStartAtTheCommittedOffsets() {
        ScoringConfig c = ScoringConfig.defaults();
        assertThat(c.maxBatchRows()).isEqualTo(2048);
        assertThat(c.maxWait()).isEqualTo(Duration.ofMillis(5));
        assertThat(c.checkpointInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.checkpointDir()).isNull();
        assertThat(c.modelDir()).isNull();
        assertThat(c.stages()).containsExactly("CART", "PURCHASE");
        assertThat(c.requestsStartingOffsets()).isEqualTo(RequestOffsets.COMMITTED);
        assertThat(c.topics()).isEqualTo(ScoringConfig.Topics.defaults());
        assertThat(c.topics().scoringRequests()).isEqualTo(TandemTopics.SCORING_REQUESTS);
        assertThat(c.topics().predictionsShadow()).isEqualTo(TandemTopics.PREDICTIONS_SHADOW);
        assertThat(c.asMap().keySet()).containsExactlyElementsOf(ScoringConfig.DEFAULTS.keySet());
        assertThat(c.changes()).isEmpty();
    }

    @Test
    void theFileIsReadAndEnvironmentVariablesOverrideIt() throws IOException {
        Path f = file(
                "scoring.max.batch.rows=512",
                "scoring.max.wait=3ms",
                "scoring.stages=CART, PURCHASE",
                "scoring.checkpoint.interval=2s",
                "scoring.checkpoint.dir=file:///var/lib/tandem/checkpoints",
                "scoring.requests.starting.offsets=earliest",
                "topic.predictions=preds-b");
        ScoringConfig c = ScoringConfig.load(
                f,
                Map.of(
                        "TANDEM_SCORING_MAX_BATCH_ROWS",
                        "1024",
                        "TANDEM_SCORING_MODEL_DIR",
                        "/m/funnel/v1",
                        "TANDEM_BOOTSTRAP_SERVERS",
                        "kafka-0:9092",
                        "TANDEM_UNRELATED_SETTING",
                        "ignored"));
        assertThat(c.maxBatchRows()).isEqualTo(1024);
        assertThat(c.maxWait()).isEqualTo(Duration.ofMillis(3));
        assertThat(c.modelDir()).isEqualTo("/m/funnel/v1");
        assertThat(c.stages()).containsExactly("CART", "PURCHASE");
        assertThat(c.checkpointInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.checkpointDir()).isEqualTo("file:///var/lib/tandem/checkpoints");
        assertThat(c.requestsStartingOffsets()).isEqualTo(RequestOffsets.EARLIEST);
        assertThat(c.topics().predictions()).isEqualTo("preds-b");
        assertThat(c.bootstrapServers()).isEqualTo("kafka-0:9092");
        // and the command line wins over both
        assertThat(ScoringConfig.load(
                                f,
                                Map.of("TANDEM_SCORING_MAX_BATCH_ROWS", "1024"),
                                Map.of("scoring.max.batch.rows", "8"))
                        .maxBatchRows())
                .isEqualTo(8);
    }

    @Test
    void passThroughKeysReachKafkaTheRegistryAndFlink() throws IOException {
        Path f = file(
                "kafka.security.protocol=SASL_SSL",
                "kafka.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required password=\"s3cret\";",
                "basic.auth.credentials.source=USER_INFO",
                "basic.auth.user.info=scorer:hunter2",
                "flink.restart-strategy.type=none");
        ScoringConfig c = ScoringConfig.load(f, Map.of("TANDEM_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512"));
        assertThat(c.kafkaProperties())
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsKey("sasl.jaas.config");
        assertThat(c.registryClientConfigs())
                .containsEntry("schema.registry.url", "http://127.0.0.1:8081")
                .containsEntry("basic.auth.credentials.source", "USER_INFO")
                .containsEntry("basic.auth.user.info", "scorer:hunter2");
        assertThat(c.flinkConfiguration()).containsEntry("restart-strategy.type", "none");
        assertThat(ScoringConfig.fromMap(c.asMap())).isEqualTo(c);
        assertThat(c.toBuilder().build()).isEqualTo(c);
    }

    @Test
    void describeMasksSecrets() {
        ScoringConfig c = ScoringConfig.builder()
                .set("kafka.sasl.jaas.config", "ScramLoginModule required username=\"scorer\" password=\"s3cret\";")
                .set("kafka.ssl.truststore.password", "changeit")
                .set("basic.auth.user.info", "scorer:hunter2")
                .schemaRegistryUrl("https://scorer:hunter2@registry:8081")
                .build();
        String d = c.describe();
        assertThat(d)
                .startsWith("tandem scoring configuration:")
                .contains(
                        "  kafka.sasl.jaas.config = ****",
                        "  kafka.ssl.truststore.password = ****",
                        "  basic.auth.user.info = ****",
                        "  schema.registry.url = https://****@registry:8081",
                        "  scoring.max.batch.rows = 2048")
                .doesNotContain("s3cret", "changeit", "hunter2");
    }

    @Test
    void gpuOptionsAreReadIntoTheSessionConfig() throws IOException {
        assertThat(ScoringConfig.defaults()
                        .gpu()
                        .toConfigProto()
                        .getGpuOptions()
                        .getAllowGrowth())
                .isTrue();
        assertThat(ScoringConfig.defaults().gpu().visibleDevices()).isEmpty();

        Path f = file("scoring.gpu.memory.growth=false", "scoring.gpu.visible.devices=0");
        ScoringConfig c = ScoringConfig.load(f, Map.of("TANDEM_SCORING_GPU_VISIBLE_DEVICES", "1,3"));
        var gpu = c.gpu().toConfigProto().getGpuOptions();
        assertThat(gpu.getAllowGrowth()).isFalse();
        assertThat(gpu.getVisibleDeviceList()).isEqualTo("1,3");
        assertThat(c.toBuilder()
                        .batching(8, Duration.ZERO)
                        .parallelism(2)
                        .build()
                        .gpu())
                .isEqualTo(c.gpu());
    }

    @Test
    void badValuesAreTypedErrorsNamingKeyAndValue() throws IOException {
        assertRefused(
                () -> ScoringConfig.load(null, Map.of("TANDEM_SCORING_GPU_MEMORY_GROWTH", "yes")),
                "scoring.gpu.memory.growth",
                "yes",
                "must be true or false");
        assertRefused(
                () -> ScoringConfig.load(file("scoring.gpu.visible.devices=cuda:0"), Map.of()),
                "scoring.gpu.visible.devices",
                "cuda:0",
                "device indices");
        assertRefused(
                () -> ScoringConfig.load(file("scoring.max.wait=soon"), Map.of()),
                "scoring.max.wait",
                "soon",
                "must be a duration");
        assertRefused(
                () -> ScoringConfig.load(null, Map.of("TANDEM_SCORING_MAX_BATCH_ROWS", "many")),
                "scoring.max.batch.rows",
                "many",
                "integer");
        assertRefused(
                () -> ScoringConfig.load(file("scoring.requests.starting.offsets=yesterday"), Map.of()),
                "scoring.requests.starting.offsets",
                "yesterday",
                "[committed, earliest, latest]");
        assertRefused(
                () -> ScoringConfig.builder().batching(0, Duration.ZERO).build(),
                "scoring.max.batch.rows",
                "0",
                "must be >= 1");
        assertRefused(
                () -> ScoringConfig.builder().batching(1, Duration.ofMillis(-1)).build(), "scoring.max.wait", null, "");
        assertRefused(
                () -> ScoringConfig.builder().parallelism(-1).build(), "scoring.parallelism", "-1", "must be >= 0");
        assertRefused(
                () -> ScoringConfig.builder().set("scoring.stages", " , ").build(),
                "scoring.stages",
                null,
                "at least one");
        assertRefused(
                () -> ScoringConfig.load(file("scoring.max.batchrows=5"), Map.of()),
                "scoring.max.batchrows",
                null,
                "unknown key");
        assertRefused(
                () -> ScoringConfig.load(dir.resolve("missing.properties"), Map.of()),
                "config file",
                dir.resolve("missing.properties").toString(),
                "cannot be read");
    }

    @Test
    void deliveryAndRequestDeadlineAreReadFromTheFileEnvironmentAndBuilder() throws IOException {
        ScoringConfig d = ScoringConfig.defaults();
        assertThat(d.delivery()).isEqualTo(Delivery.EXACTLY_ONCE);
        assertThat(d.requestDeadline()).as("no deadline by default").isNull();
        assertThat(d.asMap())
                .containsEntry("scoring.delivery", "exactly-once")
                .containsEntry("scoring.request.deadline", "");

        ScoringConfig fromFile =
                ScoringConfig.load(file("scoring.delivery=at-least-once", "scoring.request.deadline=2s"), Map.of());
        assertThat(fromFile.delivery()).isEqualTo(Delivery.AT_LEAST_ONCE);
        assertThat(fromFile.requestDeadline()).isEqualTo(Duration.ofSeconds(2));

        ScoringConfig fromEnv = ScoringConfig.load(
                file("scoring.delivery=at-least-once"),
                Map.of("TANDEM_SCORING_DELIVERY", "EXACTLY_ONCE", "TANDEM_SCORING_REQUEST_DEADLINE", "500ms"));
        assertThat(fromEnv.delivery()).isEqualTo(Delivery.EXACTLY_ONCE);
        assertThat(fromEnv.requestDeadline()).isEqualTo(Duration.ofMillis(500));

        ScoringConfig built = ScoringConfig.builder()
                .delivery(Delivery.AT_LEAST_ONCE)
                .requestDeadline(Duration.ofMillis(250))
                .build();
        assertThat(built.changes())
                .containsOnly(
                        Map.entry("scoring.delivery", "at-least-once"), Map.entry("scoring.request.deadline", "250ms"));
        assertThat(ScoringConfig.fromMap(built.changes())).isEqualTo(built);
        assertThat(built.toBuilder().requestDeadline(null).build().requestDeadline())
                .isNull();
        assertThat(ScoringConfig.fromMap(Map.of("scoring.request.deadline", "0"))
                        .requestDeadline())
                .as("0: no deadline, as for the checkpoint interval")
                .isNull();
    }

    @Test
    void badDeliveryOrDeadlineValuesNameTheirKey() throws IOException {
        assertRefused(
                () -> ScoringConfig.load(file("scoring.delivery=at-most-once"), Map.of()),
                "scoring.delivery",
                "at-most-once",
                "[exactly-once, at-least-once]");
        assertRefused(
                () -> ScoringConfig.load(null, Map.of("TANDEM_SCORING_DELIVERY", " ")),
                "scoring.delivery",
                null,
                "must not be empty");
        assertRefused(
                () -> ScoringConfig.builder()
                        .set("scoring.request.deadline", "soon")
                        .build(),
                "scoring.request.deadline",
                "soon",
                "must be a duration");
        assertRefused(
                () -> ScoringConfig.builder()
                        .requestDeadline(Duration.ofSeconds(-1))
                        .build(),
                "scoring.request.deadline",
                "-1s",
                "must be a duration");
    }

    private static void assertRefused(
            org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String key, String value, String problem) {
        assertThatThrownBy(call)
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(problem)
                .satisfies(e -> {
                    ConfigException c = (ConfigException) e;
                    assertThat(c.key()).isEqualTo(key);
                    if (value != null) assertThat(c.value()).isEqualTo(value);
                    assertThat(c.getMessage()).startsWith(key);
                });
    }

    @Test
    void theBuilderSetsTypedValuesAndChangesListOnlyWhatDiffers() {
        ScoringConfig c = ScoringConfig.builder()
                .kafka("k:9092", "http://r:8081")
                .batching(64, Duration.ofMillis(5))
                .parallelism(1)
                .checkpointInterval(Duration.ofMillis(500))
                .checkpointDir("file:///tmp/ck")
                .model("/m/tiny/v1", List.of("CART"))
                .requestsStartingOffsets(RequestOffsets.LATEST)
                .build();
        assertThat(c.changes())
                .containsOnlyKeys(
                        "bootstrap.servers",
                        "schema.registry.url",
                        "scoring.max.batch.rows",
                        "scoring.parallelism",
                        "scoring.checkpoint.interval",
                        "scoring.checkpoint.dir",
                        "scoring.model.dir",
                        "scoring.stages",
                        "scoring.requests.starting.offsets")
                .containsEntry("scoring.checkpoint.interval", "500ms")
                .containsEntry("scoring.stages", "CART");
        assertThat(ScoringConfig.fromMap(c.changes())).isEqualTo(c);
    }
}
