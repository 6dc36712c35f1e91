package dev.tandem.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KraftBrokerConfigTest {
    @TempDir
    Path dir;

    @Test
    void singleCombinedNodeOnLoopbackWithSingleReplicaInternalTopics() {
        KraftBrokerConfig config = KraftBrokerConfig.of(dir, 0, 0).withOverride("num.partitions", "7");
        Properties p = config.toProperties();

        assertThat(config.brokerPort()).isPositive().isNotEqualTo(config.controllerPort());
        assertThat(p)
                .containsEntry("process.roles", "broker,controller")
                .containsEntry("node.id", "1")
                .containsEntry("controller.quorum.voters", "1@127.0.0.1:" + config.controllerPort())
                .containsEntry(
                        "listeners",
                        "PLAINTEXT://127.0.0.1:" + config.brokerPort() + ",CONTROLLER://127.0.0.1:"
                                + config.controllerPort())
                .containsEntry("offsets.topic.replication.factor", "1")
                .containsEntry("transaction.state.log.replication.factor", "1")
                .containsEntry("transaction.state.log.min.isr", "1")
                .containsEntry("share.coordinator.state.topic.replication.factor", "1")
                .containsEntry("share.coordinator.state.topic.min.isr", "1")
                .containsEntry("group.initial.rebalance.delay.ms", "0")
                .containsEntry("auto.create.topics.enable", "false")
                .containsEntry("num.partitions", "7");
        assertThat(config.bootstrapServers()).isEqualTo("127.0.0.1:" + config.brokerPort());
    }

    @Test
    void formatsOnceAndKeepsTheClusterIdAfterwards() throws Exception {
        KraftBrokerConfig config = KraftBrokerConfig.of(dir.resolve("logs"), 0, 0);
        assertThat(config.isFormatted()).isFalse();

        assertThat(config.formatIfNeeded()).isTrue();
        Path meta = dir.resolve("logs/meta.properties");
        String first = Files.readString(meta);
        assertThat(first).contains("cluster.id=", "node.id=1", "version=1");
        assertThat(dir.resolve("logs/bootstrap.checkpoint")).exists();

        assertThat(config.formatIfNeeded()).isFalse();
        assertThat(Files.readString(meta)).isEqualTo(first);
    }
}
