package dev.tandem.platform.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.platform.connect.ProbeSinkConnector;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.TandemClusterExtension;
import dev.tandem.testkit.connect.ConnectRest;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem connect} in this JVM against an in-process broker: the worker starts, connectors from files are
 * created, updated and awaited, Ctrl-C stops it, and failures are one line. The connectors are the test's probe sink
 * (a class-path plugin), so this runs whichever Tandem plugins the build has; {@code ConnectWorkerIT} covers the
 * packaged plugin.
 */
@Timeout(300)
class ConnectCommandIT {
    @RegisterExtension
    static final TandemClusterExtension CLUSTER = new TandemClusterExtension().withPartitions(1);

    static final Pattern REST = Pattern.compile("Connect REST API: (http://127\\.0\\.0\\.1:\\d+/)");
    static final Duration RUN = Duration.ofSeconds(120);

    @TempDir
    static Path dir;

    static Path plugins;

    @BeforeAll
    static void pluginDir() throws Exception {
        plugins = Files.createDirectories(dir.resolve("plugins"));
    }

    static String[] connect(String... extra) {
        List<String> args = new ArrayList<>(List.of(
                "connect",
                "--bootstrap",
                CLUSTER.bootstrapServers(),
                "--registry",
                CLUSTER.registryUrl(),
                "--rest-port",
                "0",
                "--plugin-path",
                plugins.toString(),
                // a converter every build has: the probe sink reads nothing, and Tandem's is not what is tested here
                "--worker-property",
                "value.converter=org.apache.kafka.connect.converters.ByteArrayConverter"));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    static Path json(String name, String extraConfig) throws Exception {
        return Files.writeString(dir.resolve(name + ".json"), """
                {"name": "%s", "config": {"connector.class": "%s", "topics": "%s", "tasks.max": 1%s}}
                """.formatted(
                        name, ProbeSinkConnector.class.getName(), TandemTopics.PREDICTIONS, extraConfig));
    }

    static void awaitOut(BackgroundCli cli, String text) {
        await().atMost(RUN).until(() -> cli.exited() || cli.out().contains(text));
        assertThat(cli.out()).as(cli.toString()).contains(text);
    }

    @Test
    void createsConnectorsWaitsUntilTheyRunThenStopsOnCtrlCAndUpdatesOnTheNextRun() throws Exception {
        Path a = json("probe-a", "");
        Path b = Files.writeString(dir.resolve("probe-b.properties"), """
                name=probe-b
                connector.class=%s
                topics=%s
                """.formatted(
                        ProbeSinkConnector.class.getName(), TandemTopics.PREDICTIONS));

        BackgroundCli first = BackgroundCli.start(connect("--connector", a.toString(), "--connector", b.toString()));
        awaitOut(first, "Ctrl-C to stop.");
        assertThat(first.out())
                .contains("Connect worker (distributed, group tandem-connect)")
                .contains("connector probe-a: RUNNING, 1/1 task RUNNING (created)")
                .contains("connector probe-b: RUNNING, 1/1 task RUNNING (created)");
        Matcher m = REST.matcher(first.out());
        assertThat(m.find()).isTrue();
        ConnectRest rest = new ConnectRest(URI.create(m.group(1)), Duration.ofSeconds(10));
        List<String> names = new ArrayList<>();
        rest.get("connectors").json().forEach(n -> names.add(n.asText()));
        assertThat(names).contains("probe-a", "probe-b");
        assertThat(first.stop(RUN)).as(first.toString()).isZero();
        assertThat(first.out()).contains("stopping (SIGINT)…", "Connect worker stopped");
        assertThat(first.err()).as("quiet unless --verbose").isEmpty();

        BackgroundCli second = BackgroundCli.start(connect("--connector", a.toString()));
        awaitOut(second, "Ctrl-C to stop.");
        assertThat(second.out()).contains("connector probe-a: RUNNING, 1/1 task RUNNING (updated)");
        assertThat(second.stop(RUN)).as(second.toString()).isZero();
    }

    @Test
    void aConnectorThatFailsEndsTheCommandInOneLine() throws Exception {
        BackgroundCli cli = BackgroundCli.start(connect(
                "--connector", json("probe-fail", ", \"probe.fail\": true").toString()));
        assertThat(cli.exitCode(RUN)).as(cli.toString()).isEqualTo(ExitCodes.FAILURE);
        assertThat(cli.err().strip().lines())
                .singleElement()
                .asString()
                .startsWith("tandem: connector probe-fail failed: ")
                .contains("probe told to fail");
    }

    @Test
    void aConnectorTheWorkerRefusesEndsTheCommandInOneLine() throws Exception {
        Path f = Files.writeString(dir.resolve("unknown.json"), """
                {"name": "unknown-class", "config": {"connector.class": "dev.tandem.NoSuchConnector", "topics": "x"}}
                """);
        BackgroundCli cli = BackgroundCli.start(connect("--connector", f.toString()));
        assertThat(cli.exitCode(RUN)).as(cli.toString()).isEqualTo(ExitCodes.FAILURE);
        assertThat(cli.err().strip().lines())
                .singleElement()
                .asString()
                .startsWith("tandem: connector unknown-class (" + f + ") was refused: HTTP ")
                .contains("dev.tandem.NoSuchConnector");
    }

    @Test
    void aConverterMissingFromThePluginPathFailsInOneLineWithAHint() throws Exception {
        BackgroundCli cli =
                BackgroundCli.start(connect("--worker-property", "value.converter=dev.tandem.NoSuchConverter"));
        assertThat(cli.exitCode(RUN)).as(cli.toString()).isEqualTo(ExitCodes.FAILURE);
        assertThat(cli.err().strip().lines())
                .singleElement()
                .asString()
                .startsWith("tandem: the Connect worker did not start: ")
                .contains("dev.tandem.NoSuchConverter")
                .contains("is the Tandem plugin under " + plugins);
    }
}
