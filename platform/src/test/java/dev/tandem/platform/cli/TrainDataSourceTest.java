package dev.tandem.platform.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --data FILE|kafka:TOPIC} of train and evaluate, without a broker. */
class TrainDataSourceTest {
    @TempDir
    Path dir;

    @Test
    void aTopicTakesNoFormatAndAFileNeedsOne() throws IOException {
        Path csv = Files.writeString(dir.resolve("one.csv"), "1,2,3,pv,1511848894\n");

        CliRun topicWithFormat =
                CliRun.run("train", "--data", "kafka:events", "--format", "taobao", "--out", dir.toString());
        CliRun fileWithout = CliRun.run("train", "--data", csv.toString(), "--out", dir.toString());
        CliRun badTopic = CliRun.run("train", "--data", "kafka:no/such", "--out", dir.toString());
        CliRun emptyTopic = CliRun.run("train", "--data", "kafka:", "--out", dir.toString());

        assertThat(topicWithFormat.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(topicWithFormat.errLines()).hasSize(1);
        assertThat(topicWithFormat.err()).contains("--format applies to files; topic 'events' holds Avro UserEvents");
        assertThat(fileWithout.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(fileWithout.err()).contains("--format is required when --data is a file");
        assertThat(badTopic.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(badTopic.err()).contains("--data 'kafka:no/such': a topic name is 1 to 249 letters");
        assertThat(emptyTopic.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(emptyTopic.err()).contains("--data 'kafka:': a topic name is");
    }

    @Test
    void unreachableKafkaIsOneLineAndANonZeroExit() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        long t0 = System.nanoTime();
        CliRun r = CliRun.run(
                "train", "--data", "kafka:events", "--out", dir.toString(), "--bootstrap", "127.0.0.1:" + port);
        double seconds = (System.nanoTime() - t0) / 1e9;

        assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(r.errLines())
                .containsExactly(
                        "tandem: cannot reach Kafka at 127.0.0.1:" + port + " — start it with `tandem dev-cluster`");
        assertThat(seconds).isLessThan(10);
        assertThat(dir.resolve("funnel")).doesNotExist();
    }
}
