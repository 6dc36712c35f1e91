package dev.tandem.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The settings and start-up steps both brokers share, checked without starting one. */
class KafkaBrokerBuilderTest {
    @TempDir
    Path dir;

    @Test
    void bothBrokersBuildTheSameFormattedConfigFromTheSameSettings() throws Exception {
        List<KafkaBrokerBuilder<?>> builders = List.of(EmbeddedKafkaBroker.builder(), KafkaBrokerProcess.builder(dir));
        int n = 0;
        for (KafkaBrokerBuilder<?> b : builders) {
            Path logDir = dir.resolve("logs-" + n++);
            KraftBrokerConfig config = b.brokerProperty("log.retention.ms", "1234")
                    .brokerProperty("num.partitions", "3")
                    .formattedConfig(logDir);
            assertThat(config.toProperties())
                    .containsEntry("log.retention.ms", "1234")
                    .containsEntry("num.partitions", "3") // overrides win over the defaults
                    .containsEntry(
                            "log.dirs", logDir.toAbsolutePath().normalize().toString());
            assertThat(config.isFormatted()).isTrue();
            assertThat(config.brokerPort())
                    .isNotEqualTo(config.controllerPort())
                    .isPositive();
            // formatted once: a second build keeps the same cluster id
            String meta = Files.readString(logDir.resolve(KraftBrokerConfig.META_PROPERTIES));
            b.formattedConfig(logDir);
            assertThat(logDir.resolve(KraftBrokerConfig.META_PROPERTIES)).hasContent(meta);
        }
    }

    @Test
    void aTakenControllerPortIsRefusedByBoth() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName(LoopbackPorts.HOST))) {
            int port = taken.getLocalPort();
            for (KafkaBrokerBuilder<?> b :
                    List.<KafkaBrokerBuilder<?>>of(EmbeddedKafkaBroker.builder(), KafkaBrokerProcess.builder(dir))) {
                assertThatThrownBy(() -> b.controllerPort(port).requirePortsFree())
                        .isInstanceOf(PortInUseException.class)
                        .hasMessageStartingWith("Kafka controller port " + port);
            }
        }
    }
}
