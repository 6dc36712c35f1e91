package dev.tandem.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** One child broker, started once: every assertion about its life cycle hangs off that start. */
@Timeout(90)
class KafkaBrokerProcessTest {
    @TempDir
    Path dataDir;

    @Test
    void childBrokerServesClientsRefusesASecondStartAndLeavesNothingBehind() throws Exception {
        long pid;
        int port;
        try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(dataDir, 0)) {
            pid = broker.pid();
            port = broker.port();
            assertThat(broker.pidFile()).hasContent(Long.toString(pid));
            assertThat(ProcessHandle.of(pid))
                    .hasValueSatisfying(h -> assertThat(h.isAlive()).isTrue());
            assertThat(dataDir.resolve("kafka-logs/meta.properties")).exists();
            assertThat(dataDir.resolve("server.properties"))
                    .content(StandardCharsets.UTF_8)
                    .contains("listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:")
                    .doesNotContain("0.0.0.0");

            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("child", 1, (short) 1)))
                        .all()
                        .get();
            }
            assertThat(Clients.roundTrip(broker.bootstrapServers(), "child", 5)).hasSize(5);

            assertThatThrownBy(() -> KafkaBrokerProcess.start(dataDir, 0))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("dev cluster already running (pid " + pid + ") in "
                            + dataDir.toAbsolutePath().normalize());
        }
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(java.util.Optional.of(true));
        assertThat(dataDir.resolve(KafkaBrokerProcess.PID_FILE)).doesNotExist();
        assertThat(LoopbackPorts.isFree(port)).isTrue();
        assertThat(dataDir.resolve(KafkaBrokerProcess.LOG_FILE))
                .content(StandardCharsets.UTF_8)
                .contains("Kafka Server started");
    }

    @Test
    void stalePidFileOfADeadProcessIsRemoved() throws Exception {
        Process dead = new ProcessBuilder(KafkaBrokerProcess.javaBinary(), "-version").start();
        dead.waitFor();
        Files.writeString(dataDir.resolve(KafkaBrokerProcess.PID_FILE), dead.pid() + "\n");

        KafkaBrokerProcess.refuseIfRunning(dataDir);

        assertThat(dataDir.resolve(KafkaBrokerProcess.PID_FILE)).doesNotExist();
    }

    @Test
    void childThatDiesWhileStartingIsReportedWithTheTailOfItsLog() {
        assertThatThrownBy(() -> KafkaBrokerProcess.builder(dataDir)
                        .classpath(dataDir.toString()) // no Kafka on it: the JVM exits at once
                        .startTimeout(Duration.ofSeconds(30))
                        .start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("stopped while starting")
                .hasMessageContaining("exited with code 1")
                .hasMessageContaining("kafka.Kafka");
        assertThat(dataDir.resolve(KafkaBrokerProcess.PID_FILE)).doesNotExist();
    }
}
