package dev.tandem.bench.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.bench.BenchRun;
import dev.tandem.testkit.LoopbackPorts;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem bench serving} refusals: all before any broker, worker or model starts. */
class ServingScenarioTest {
    @TempDir
    Path dir;

    @Test
    void badOptionsAreOneUsageLine() {
        BenchRun r = BenchRun.run("serving", "--json", dir.resolve("v.json").toString(), "--predictions", "3");

        assertThat(r.exitCode()).isEqualTo(BenchRun.USAGE);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("--predictions must be >= 10");
        assertThat(Files.exists(dir.resolve("v.json"))).isFalse();
    }

    @Test
    void anUnknownModelNamesTheChoices() {
        BenchRun r = BenchRun.run("serving", "--json", dir.resolve("v.json").toString(), "--model", "mmoe-nothing");

        assertThat(r.exitCode()).isEqualTo(BenchRun.USAGE);
        assertThat(r.err()).contains("unknown --model 'mmoe-nothing'", "mmoe-mean");
    }

    @Test
    void aRedisThatDoesNotAnswerEndsTheRunBeforeAnythingStarts() {
        String nobody = "redis://127.0.0.1:" + LoopbackPorts.freePort();

        BenchRun r = BenchRun.run("serving", "--json", dir.resolve("v.json").toString(), "--redis", nobody);

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("UnreachableException", "Redis at " + nobody + " does not answer", "--redis");
        assertThat(r.out()).doesNotContain("bench serving on");
        assertThat(Files.exists(dir.resolve("v.json"))).isFalse();
    }
}
