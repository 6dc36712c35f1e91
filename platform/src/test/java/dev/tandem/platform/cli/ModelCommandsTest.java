package dev.tandem.platform.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem train / evaluate} refusals: all before TensorFlow is loaded, so fast. */
class ModelCommandsTest {
    @TempDir
    Path dir;

    Path csv(String name, String body) throws IOException {
        return Files.writeString(dir.resolve(name), body);
    }

    @Test
    void aBadConfigNamesTheField() throws IOException {
        Path data = csv("ok.csv", "1,2,3,pv,1511848894\n");
        Path config =
                Files.writeString(dir.resolve("model.json"), "{\"architecture\": \"mmoe\", \"embeddingDim\": \"big\"}");

        CliRun r = CliRun.run(
                "train",
                "--data",
                data.toString(),
                "--format",
                "taobao",
                "--config",
                config.toString(),
                "--out",
                dir.toString());

        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err())
                .startsWith("tandem: model.json: ")
                .contains("embeddingDim")
                .doesNotContain("Exception");
    }

    @Test
    void anUnknownConfigFieldIsNamed() throws IOException {
        Path data = csv("ok.csv", "1,2,3,pv,1511848894\n");
        Path config = Files.writeString(dir.resolve("model.json"), "{\"experts\": 4, \"expertz\": 2}");

        CliRun r = CliRun.run(
                "train",
                "--data",
                data.toString(),
                "--format",
                "taobao",
                "--config",
                config.toString(),
                "--out",
                dir.toString());

        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("expertz");
    }

    @Test
    void withStrictAMalformedDataLineFailsNamingIt() throws IOException {
        Path data = csv("bad.csv", "1,2,3,pv,1511848894\n1,2,3,pv,1511848895\n1,2,3,teleport,1511848896\n");

        CliRun r = CliRun.run(
                "train", "--data", data.toString(), "--format", "taobao", "--out", dir.toString(), "--strict");

        assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err())
                .startsWith("tandem: malformed data: ")
                .contains("line 3")
                .doesNotContain("Exception");
    }

    @Test
    void withStrictAMalformedEventsLineFailsNamingIt() throws IOException {
        Path data = csv(
                "bad.jsonl",
                "{\"event_id\":\"a\",\"user_id\":\"u\",\"item_id\":\"i\",\"category_id\":\"c\",\"action\":\"VIEW\",\"event_time\":\"2017-11-25T00:00:00Z\"}\nnot json\n");

        CliRun r = CliRun.run(
                "evaluate", "--model", dir.toString(), "--data", data.toString(), "--format", "events", "--strict");
        assertThat(r.err()).contains("not a model directory"); // the model is checked first
        r = CliRun.run("train", "--data", data.toString(), "--format", "events", "--out", dir.toString(), "--strict");

        assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("bad.jsonl line 2");
    }

    /** As {@code tandem replay}: malformed lines are reported with their numbers, and the rest of the file is read. */
    @Test
    void malformedLinesAreReportedAndSkippedAsReplayDoes() throws IOException {
        StringBuilder body = new StringBuilder();
        for (int i = 1; i <= 8; i++)
            body.append(i % 2 == 0 ? "1,2,3,teleport," : "1,2,3,cart,")
                    .append(1511848894 + i)
                    .append('\n');
        body.append("1,4,3,bu"); // line 9, cut off mid-write
        Path data = csv("cut.csv", body.toString());

        CliRun r = CliRun.run("train", "--data", data.toString(), "--format", "taobao", "--out", dir.toString());

        // only carts are left: the read went on past the bad lines, to the refusal that comes after it
        assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
        String[] err = r.errLines();
        assertThat(err).hasSize(7);
        for (int i = 0; i < 4; i++)
            assertThat(err[i])
                    .startsWith("malformed line " + (2 * i + 2) + ": unknown behaviour")
                    .contains("teleport");
        assertThat(err[4])
                .startsWith("malformed line 9: last line is cut off (no newline at end of file): ")
                .endsWith("[1,4,3,bu]");
        assertThat(err[5])
                .isEqualTo("read cut.csv: 9 rows, 4 events, 5 malformed lines skipped (--strict fails on the first)");
        assertThat(err[6]).startsWith("tandem: no examples: ");
    }

    @Test
    void noExamplesIsAClearRefusal() throws IOException {
        Path onlyCarts = csv("carts.csv", "1,2,3,cart,1511848894\n1,4,3,buy,1511848895\n");
        Path empty = csv("empty.csv", "");

        CliRun carts =
                CliRun.run("train", "--data", onlyCarts.toString(), "--format", "taobao", "--out", dir.toString());
        CliRun none = CliRun.run("train", "--data", empty.toString(), "--format", "taobao", "--out", dir.toString());

        assertThat(carts.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(carts.errLines()).hasSize(1);
        assertThat(carts.err()).startsWith("tandem: no examples: ").contains("no VIEW (exposure) event");
        assertThat(none.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(none.err()).startsWith("tandem: no examples: ");
        assertThat(dir.resolve("funnel")).doesNotExist();
    }

    @Test
    void evaluateRefusesADirectoryThatIsNoModel() throws IOException {
        Path data = csv("ok.csv", "1,2,3,pv,1511848894\n");

        CliRun r = CliRun.run("evaluate", "--model", dir.toString(), "--data", data.toString(), "--format", "taobao");

        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("not a model directory");
    }

    @Test
    void helpListsTrainAndEvaluate() {
        assertThat(CliRun.run("--help").out()).contains("train", "evaluate");
        assertThat(CliRun.run("train", "--help").out())
                .contains("--data", "--format", "--config", "--out", "--name", "--version", "--truth", "--horizon");
        assertThat(CliRun.run("evaluate", "--help").out())
                .contains("--model", "--data", "--format", "--json", "--truth");
    }
}
