package dev.tandem.bench.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.bench.BenchRun;
import dev.tandem.model.zoo.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem bench scoring} refusals and model names: all before any broker or TensorFlow starts. */
class ScoringScenarioTest {
    @TempDir
    Path dir;

    @Test
    void theZooNamesEveryArchitectureAndEncoderWithTheLightestFirst() {
        assertThat(ScoringScenario.zooNames()).first().isEqualTo("mmoe-mean");
        assertThat(ScoringScenario.zooNames())
                .hasSize(ModelConfig.ARCHITECTURES.size() * ModelConfig.SEQUENCE_ENCODERS.size())
                .doesNotHaveDuplicates()
                .contains("shared_bottom-target_attention", "ple-transformer");
    }

    @Test
    void anUnknownModelIsOneUsageLineNamingTheChoices() {
        BenchRun r =
                BenchRun.run("scoring", "--json", dir.resolve("s.json").toString(), "--model", "mmoe-mean,transformer");

        assertThat(r.exitCode()).isEqualTo(BenchRun.USAGE);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err())
                .contains("unknown --model 'transformer'", "all", "mmoe-mean", "ple-transformer")
                .doesNotContain("Exception");
        assertThat(Files.exists(dir.resolve("s.json"))).isFalse();
    }

    @Test
    void aBatchSmallerThanOneRequestIsRefused() {
        BenchRun r = BenchRun.run(
                "scoring", "--json", dir.resolve("s.json").toString(), "--candidates", "20", "--max-batch-rows", "10");

        assertThat(r.exitCode()).isEqualTo(BenchRun.USAGE);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("--max-batch-rows must be >= --candidates");
    }

    @Test
    void aMissingOutputDirectoryIsRefused() {
        BenchRun r =
                BenchRun.run("scoring", "--json", dir.resolve("nope/s.json").toString());

        assertThat(r.exitCode()).isEqualTo(BenchRun.USAGE);
        assertThat(r.err()).contains("directory not found");
    }
}
