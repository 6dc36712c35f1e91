package dev.tandem.platform.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Usage errors of {@code tandem connect} and {@code dev-cluster --connect}: one line, exit 2, before any Kafka call. */
class ConnectCommandTest {
    @TempDir
    Path dir;

    private CliRun connect(String... args) throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        List<String> all = new ArrayList<>(List.of("connect", "--plugin-path", plugins.toString()));
        all.addAll(List.of(args));
        return CliRun.run(all.toArray(String[]::new));
    }

    private static void assertUsage(CliRun r, String expected) {
        assertThat(r.exitCode()).as(r.err()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.errLines())
                .as(r.err())
                .singleElement()
                .asString()
                .startsWith("tandem: ")
                .contains(expected);
        assertThat(r.err()).doesNotContain("\tat ");
    }

    @Test
    void connectorFilesMustExistAndBeWellFormed() throws Exception {
        assertUsage(connect("--connector", dir.resolve("nope.json").toString()), "connector file not found");
        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"name\": \"x\", ");
        assertUsage(connect("--connector", bad.toString()), "bad.json is not JSON");
        Path shape = Files.writeString(dir.resolve("shape.json"), "{\"connector.class\": \"X\"}");
        assertUsage(connect("--connector", shape.toString()), "expected {\"name\": \"...\", \"config\": {...}}");
        Path noName = Files.writeString(dir.resolve("c.properties"), "connector.class=X\n");
        assertUsage(connect("--connector", noName.toString()), "no 'name' property");
        Path a = Files.writeString(dir.resolve("a.properties"), "name=same\nconnector.class=X\n");
        Path b = Files.writeString(
                dir.resolve("b.json"), "{\"name\": \"same\", \"config\": {\"connector.class\": \"X\"}}");
        assertUsage(connect("--connector", a.toString(), "--connector", b.toString()), "connector 'same' is in both");
    }

    @Test
    void pluginPathMustBeADirHoldingPlugins() throws Exception {
        assertUsage(
                CliRun.run("connect", "--plugin-path", dir.resolve("missing").toString()),
                "plugin path is not a directory");
        Path own = Files.createDirectories(dir.resolve("tandem-connectors"));
        Files.writeString(own.resolve("tandem-connectors-0.1.0.jar"), "");
        assertUsage(CliRun.run("connect", "--plugin-path", own.toString()), "is the plugin's own dir");
    }

    @Test
    void badOptionValues() throws Exception {
        assertUsage(connect("--rest-port", "65536"), "--rest-port out of range");
        assertUsage(connect("--plugin-discovery", "sometimes"), "--plugin-discovery");
        assertUsage(connect("--worker-property", "no-equals-sign"), "--worker-property wants KEY=VALUE");
        assertUsage(
                connect("--worker-config", dir.resolve("none.properties").toString()), "worker config file not found");
        assertUsage(connect("--connector-timeout", "0s"), "must be a positive duration");
    }

    @Test
    void devClusterChecksTheWorkerOptionsBeforeStartingAnything() {
        assertUsage(
                CliRun.run(
                        "dev-cluster",
                        "--connect",
                        "--plugin-path",
                        dir.resolve("missing").toString()),
                "plugin path is not a directory");
        assertUsage(CliRun.run("dev-cluster", "--connect", "--connect-port", "-1"), "--connect-port out of range");
    }

    @Test
    void anUnreachableKafkaFailsInOneLine() throws Exception {
        CliRun r = connect("--bootstrap", "127.0.0.1:1", "--registry", "http://127.0.0.1:1");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(r.errLines())
                .singleElement()
                .asString()
                .startsWith("tandem: ")
                .contains("127.0.0.1:1");
    }
}
