package dev.tandem.platform.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.features.FeaturesConfig;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.KafkaAcls;
import dev.tandem.testkit.TandemClusterExtension;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI on a cluster with TLS, SCRAM and ACLs: a command reaches it with a principal's client settings from
 * {@code --client-config} (what {@code tandem dev-cluster --secure} writes per component), and is refused in one line
 * without them or under a principal whose ACLs do not grant what it does.
 */
class SecuredCommandsIT {
    @RegisterExtension
    static final TandemClusterExtension CLUSTER = new TandemClusterExtension()
            .secured(List.of(
                    KafkaAcls.tools(KafkaAcls.TOOLS, "tandem-cli"),
                    KafkaAcls.features(KafkaAcls.FEATURES, "tandem-features")));

    @TempDir
    Path dir;

    private Path clientFile(String principal) throws IOException {
        return propertiesFile(principal, CLUSTER.clientProperties(principal));
    }

    private Path propertiesFile(String name, Map<String, String> settings) throws IOException {
        Path file = dir.resolve(name + ".properties");
        Properties p = new Properties();
        p.putAll(settings);
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            p.store(w, null);
        }
        return file;
    }

    private static CliRun generate(String... more) {
        List<String> args = new ArrayList<>(List.of(
                "generate",
                "--events",
                "500",
                "--users",
                "50",
                "--items",
                "100",
                "--topic",
                TandemTopics.EVENTS,
                "--bootstrap",
                CLUSTER.bootstrapServers(),
                "--registry",
                CLUSTER.registryUrl()));
        args.addAll(List.of(more));
        return CliRun.run(args.toArray(String[]::new));
    }

    private static long eventsOnTopic() {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(
                CLUSTER.consumerProps("secured-commands-check"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = c.partitionsFor(TandemTopics.EVENTS).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            return c.endOffsets(partitions).values().stream()
                    .mapToLong(Long::longValue)
                    .sum();
        }
    }

    @Test
    void theToolsPrincipalsSettingsLetGenerateWriteEvents() throws IOException {
        long before = eventsOnTopic();

        CliRun r = generate("--client-config", clientFile(KafkaAcls.TOOLS).toString());

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(eventsOnTopic() - before).isEqualTo(500);
    }

    @Test
    void withoutClientSettingsTheCommandIsRefusedInOneLine() {
        CliRun r = generate();

        assertThat(r.exitCode()).isNotZero();
        assertThat(r.err().strip().lines()).as(r.err()).hasSize(1);
        assertThat(r.err())
                .contains(CLUSTER.bootstrapServers())
                .contains("does not answer a plaintext client")
                .contains("--client-config")
                .doesNotContain("\tat ");
    }

    @Test
    void aWrongPasswordIsRefusedInOneLine() throws IOException {
        Path file = propertiesFile("wrong", CLUSTER.security().clientProperties(KafkaAcls.TOOLS, "not-the-password"));

        CliRun r = generate("--client-config", file.toString());

        assertThat(r.exitCode()).isNotZero();
        assertThat(r.err().strip().lines()).as(r.err()).hasSize(1);
        assertThat(r.err()).contains("refuses these credentials").doesNotContain("\tat ");
    }

    @Test
    void anotherComponentsPrincipalIsRefusedByTheAclsInOneLine() throws IOException {
        long before = eventsOnTopic();

        // the features app's principal reads 'events'; it may not write it
        CliRun r = generate("--client-config", clientFile(KafkaAcls.FEATURES).toString());

        assertThat(r.exitCode()).isNotZero();
        assertThat(r.err().strip().lines()).as(r.err()).hasSize(1);
        assertThat(r.err()).containsIgnoringCase("authoriz").doesNotContain("\tat ");
        assertThat(eventsOnTopic()).isEqualTo(before);
    }

    @Test
    void aConnectWorkerWithAWrongPasswordIsRefusedInOneLineBeforeItStarts() throws IOException {
        Path worker = propertiesFile(
                "connect-worker", CLUSTER.security().clientProperties(KafkaAcls.CONNECT, "not-the-password"));
        Path plugins = Files.createDirectories(dir.resolve("plugins"));

        CliRun r = CliRun.run(
                "connect",
                "--bootstrap",
                CLUSTER.bootstrapServers(),
                "--registry",
                CLUSTER.registryUrl(),
                "--rest-port",
                "0",
                "--plugin-path",
                plugins.toString(),
                "--worker-config",
                worker.toString());

        assertThat(r.exitCode()).isNotZero();
        assertThat(r.err().strip().lines()).as(r.err()).hasSize(1);
        assertThat(r.err()).contains("refuses these credentials").doesNotContain("\tat ");
    }

    /** An app started by the CLI checks the cluster with its own settings before it starts: a plain check would fail. */
    @Test
    void theFeaturesAppStartsUnderItsPrincipalFromItsConfigFile() throws Exception {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(FeaturesConfig.APPLICATION_ID, "tandem-features");
        settings.put(FeaturesConfig.BOOTSTRAP_SERVERS, CLUSTER.bootstrapServers());
        settings.put(FeaturesConfig.SCHEMA_REGISTRY_URL, CLUSTER.registryUrl());
        settings.put(FeaturesConfig.STATE_DIR, dir.resolve("features-state").toString());
        settings.put(FeaturesConfig.HTTP_PORT, "0");
        CLUSTER.clientProperties(KafkaAcls.FEATURES)
                .forEach((k, v) -> settings.put(FeaturesConfig.STREAMS_PREFIX + k, v));

        BackgroundCli cli = BackgroundCli.start(
                "features", "--config", propertiesFile("features-app", settings).toString());

        await().atMost(Duration.ofSeconds(90))
                .until(() -> cli.exited() || cli.out().contains("ready: consuming"));
        assertThat(cli.out()).as(cli.toString()).contains("ready: consuming");
        assertThat(cli.stop(Duration.ofSeconds(60))).as(cli.toString()).isZero();
    }

    @Test
    void aMissingClientConfigFileIsAOneLineError() {
        CliRun r = generate("--client-config", dir.resolve("nope.properties").toString());

        assertThat(r.exitCode()).isNotZero();
        assertThat(r.err().strip())
                .isEqualTo("tandem: --client-config " + dir.resolve("nope.properties") + ": no such file");
    }
}
