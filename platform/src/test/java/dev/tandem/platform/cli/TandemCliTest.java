package dev.tandem.platform.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

class TandemCliTest {
    @TempDir
    static Path dir;

    static Stream<Arguments> usageErrors() {
        return Stream.of(
                Arguments.of("no command", new String[] {}, "missing command"),
                Arguments.of("unknown command", new String[] {"frobnicate"}, "Unmatched argument"),
                Arguments.of(
                        "unknown option",
                        new String[] {"replay", "--format", "taobao", "--bogus", "f.csv"},
                        "Unknown option: '--bogus'"),
                Arguments.of(
                        "unknown format",
                        new String[] {"replay", "--format", "csv", "f.csv"},
                        "expected one of [TAOBAO, REES46]"),
                Arguments.of("missing format", new String[] {"replay", "f.csv"}, "Missing required option: '--format"),
                Arguments.of(
                        "missing file",
                        new String[] {"replay", "--format", "taobao", "/no/such/file.csv"},
                        "file not found: /no/such/file.csv"),
                Arguments.of(
                        "bad number",
                        new String[] {"replay", "--format", "taobao", "--limit", "many", "f.csv"},
                        "'many' is not a long"),
                Arguments.of(
                        "negative speed",
                        new String[] {"replay", "--format", "taobao", "--speed", "-2", "x.csv"},
                        "file not found"),
                Arguments.of(
                        "generate without target",
                        new String[] {"generate", "--events", "10"},
                        "Missing required argument"),
                Arguments.of(
                        "generate with both targets",
                        new String[] {"generate", "--topic", "events", "--out", "x.csv"},
                        "mutually exclusive"),
                Arguments.of(
                        "generate bad count",
                        new String[] {"generate", "--users", "0", "--out", "x.csv"},
                        "--users must be >= 1"),
                Arguments.of(
                        "generate bad file format",
                        new String[] {"generate", "--out", "x.csv", "--format", "parquet"},
                        "expected one of"),
                Arguments.of("demo bad duration", new String[] {"demo", "--duration", "soon"}, "is not a duration"),
                Arguments.of(
                        "demo store not redis",
                        new String[] {"demo", "--store", "jdbc:sqlite:x.db"},
                        "--store wants redis://HOST:PORT, got 'jdbc:sqlite:x.db'"),
                Arguments.of("demo bad redis url", new String[] {"demo", "--store", "redis://"}, "--store redis://: "),
                Arguments.of(
                        "demo events and duration",
                        new String[] {"demo", "--events", "5", "--duration", "5s"},
                        "mutually exclusive"),
                Arguments.of(
                        "bench without scenario",
                        new String[] {"bench"},
                        "missing scenario, one of: replay, features, model"),
                Arguments.of(
                        "bench features without --json",
                        new String[] {"bench", "features"},
                        "Missing required option: '--json"),
                Arguments.of(
                        "bench features bad events",
                        new String[] {"bench", "features", "--json", "x.json", "--events", "0"},
                        "--events must be >= 1"),
                Arguments.of(
                        "features bad port",
                        new String[] {"features", "--http-port", "70000"},
                        "http.port = '70000': must be in [0, 65535]"),
                Arguments.of(
                        "features port not a number",
                        new String[] {"features", "--http-port", "many"},
                        "'many' is not an int"),
                Arguments.of(
                        "features missing config file",
                        new String[] {"features", "--config", "/no/such/features.properties"},
                        "config file not found: /no/such/features.properties"),
                Arguments.of(
                        "features unknown option",
                        new String[] {"features", "--partitions", "3"},
                        "Unknown options: '--partitions'"),
                Arguments.of(
                        "bench unknown scenario",
                        new String[] {"bench", "teleport", "--json", "x"},
                        "Unmatched argument"),
                Arguments.of(
                        "bench without --json", new String[] {"bench", "replay"}, "Missing required option: '--json"),
                Arguments.of(
                        "train without data",
                        new String[] {"train", "--format", "taobao", "--out", "m"},
                        "Missing required option: '--data"),
                Arguments.of(
                        "train unknown format",
                        new String[] {"train", "--data", "x", "--format", "parquet", "--out", "m"},
                        "expected one of [TAOBAO, REES46, EVENTS]"),
                Arguments.of(
                        "train missing file",
                        new String[] {"train", "--data", "/no/such.csv", "--format", "taobao", "--out", "m"},
                        "file not found: /no/such.csv"),
                Arguments.of(
                        "train bad horizon",
                        new String[] {"train", "--data", "x", "--format", "taobao", "--out", "m", "--horizon", "soon"},
                        "is not a duration"),
                Arguments.of(
                        "train budget without search",
                        new String[] {"train", "--data", "x", "--format", "taobao", "--out", "m", "--budget", "5m"},
                        "--budget applies to --search only"),
                Arguments.of(
                        "evaluate without model",
                        new String[] {"evaluate", "--data", "x", "--format", "taobao"},
                        "Missing required option: '--model"),
                Arguments.of(
                        "evaluate missing model",
                        new String[] {"evaluate", "--model", "/no/such/model", "--data", "x", "--format", "events"},
                        "model directory not found: /no/such/model"),
                Arguments.of(
                        "bench model without --json",
                        new String[] {"bench", "model"},
                        "Missing required option: '--json"),
                Arguments.of(
                        "bench model bad epochs",
                        new String[] {"bench", "model", "--json", "x.json", "--epochs", "0"},
                        "--epochs must be >= 1"),
                Arguments.of("forget without user", new String[] {"forget"}, "Missing required parameter: 'USER_ID'"),
                Arguments.of("forget blank user", new String[] {"forget", " "}, "USER_ID must not be empty or blank"),
                Arguments.of(
                        "forget control character",
                        new String[] {"forget", "u\n1"},
                        "USER_ID must not contain control characters"),
                Arguments.of("forget two users", new String[] {"forget", "u1", "u2"}, "Unmatched argument"),
                Arguments.of(
                        "dev-cluster bad port",
                        new String[] {"dev-cluster", "--kafka-port", "70000"},
                        "kafkaPort out of range"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("usageErrors")
    void badArgumentsGiveOneLineAndExitCode2(String what, String[] args, String message) {
        CliRun r = CliRun.run(args);

        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err())
                .startsWith("tandem: ")
                .contains(message)
                .doesNotContain("Exception")
                .doesNotContain("\tat ");
        assertThat(r.out()).isEmpty();
    }

    /** Log4j reports an unparsable config with a stack trace on every command's stderr, then logs nothing. */
    @Test
    void loggingConfigurationIsWellFormedXml() throws Exception {
        try (var in = TandemCli.class.getResourceAsStream("/log4j2.xml")) {
            assertThat(in).as("log4j2.xml on the class path").isNotNull();
            var doc = javax.xml.parsers.DocumentBuilderFactory.newInstance()
                    .newDocumentBuilder()
                    .parse(in);
            assertThat(doc.getDocumentElement().getNodeName()).isEqualTo("Configuration");
        }
    }

    @Test
    void helpAndVersionExitZero() {
        CliRun help = CliRun.run("--help");
        CliRun replayHelp = CliRun.run("replay", "--help");
        CliRun version = CliRun.run("--version");

        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("dev-cluster", "generate", "replay", "demo", "bench", "--verbose");
        assertThat(replayHelp.exitCode()).isZero();
        assertThat(replayHelp.out())
                .contains("--format", "--speed", "--strict", "--limit", "--bootstrap", "--registry");
        assertThat(version.exitCode()).isZero();
        assertThat(version.out()).startsWith("tandem ").doesNotContain("unknown");
    }

    /**
     * Picocli formats descriptions with {@code String.format}: a bare {@code %} makes it print a {@code [picocli WARN]}
     * line to the JVM's stderr (not to the command line's writer) on every {@code --help}.
     */
    @Test
    void helpOfEveryCommandPrintsNoPicocliWarning() {
        List<String[]> helps = new ArrayList<>();
        helps.add(new String[] {"--help"});
        collectHelps(TandemCli.commandLine(), new ArrayList<>(), helps);
        PrintStream stderr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        List<CliRun> runs = new ArrayList<>();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            for (String[] args : helps) runs.add(CliRun.run(args));
        } finally {
            System.setErr(stderr);
        }

        assertThat(helps).hasSizeGreaterThan(10);
        assertThat(runs).allSatisfy(r -> {
            assertThat(r.exitCode()).isZero();
            assertThat(r.err()).isEmpty();
        });
        assertThat(captured.toString(StandardCharsets.UTF_8))
                .doesNotContain("picocli")
                .isEmpty();
        assertThat(CliRun.run("--help").out()).contains("(last 30% of");
    }

    private static void collectHelps(CommandLine cl, List<String> path, List<String[]> out) {
        for (Map.Entry<String, CommandLine> sub : cl.getSubcommands().entrySet()) {
            if (sub.getValue().getCommandSpec().helpCommand()
                    || !sub.getKey().equals(sub.getValue().getCommandName())) continue;
            List<String> p = new ArrayList<>(path);
            p.add(sub.getKey());
            List<String> args = new ArrayList<>(p);
            args.add("--help");
            out.add(args.toArray(String[]::new));
            collectHelps(sub.getValue(), p, out);
        }
    }

    @Test
    void featuresConfigFileWithAnUnknownKeyIsAUsageError() throws IOException {
        Path config =
                Files.writeString(dir.resolve("bad.properties"), "commit.interval.ms=50\nbootstrap.server=typo:9092\n");

        CliRun r = CliRun.run("features", "--config", config.toString());

        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("bootstrap.server: unknown key");
    }

    @Test
    void featuresHelpListsItsOptions() {
        CliRun help = CliRun.run("features", "--help");

        assertThat(help.exitCode()).isZero();
        assertThat(help.out())
                .contains(
                        "--bootstrap",
                        "--registry",
                        "--http-port",
                        "--config",
                        "--state-dir",
                        "--application-id",
                        "/v1/users/{id}/features");
        assertThat(CliRun.run("--help").out()).contains("features");
    }

    @Test
    void featuresWithUnreachableKafkaIsOneLineAndExitCode1() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        long t0 = System.nanoTime();
        CliRun r = CliRun.run("features", "--bootstrap", "127.0.0.1:" + port, "--http-port", "0");
        double seconds = (System.nanoTime() - t0) / 1e9;

        assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(r.errLines())
                .containsExactly(
                        "tandem: cannot reach Kafka at 127.0.0.1:" + port + " — start it with `tandem dev-cluster`");
        assertThat(seconds).isLessThan(5);
    }

    @Test
    void unreachableKafkaIsOneLineNamingTheAddressWithinSeconds() throws IOException {
        Path csv = Files.writeString(dir.resolve("one.csv"), "1,2,3,pv,1511848894\n");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        long t0 = System.nanoTime();
        CliRun r = CliRun.run("replay", "--format", "taobao", "--bootstrap", "127.0.0.1:" + port, csv.toString());
        double seconds = (System.nanoTime() - t0) / 1e9;

        assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(r.errLines())
                .containsExactly(
                        "tandem: cannot reach Kafka at 127.0.0.1:" + port + " — start it with `tandem dev-cluster`");
        assertThat(seconds).isLessThan(5);
    }

    @Test
    void generateWritesTaobaoCsvThatTheTaobaoParserAcceptsWithMatchingTruthIds() throws IOException {
        Path out = dir.resolve("gen.csv");
        Path truth = dir.resolve("truth.csv");

        CliRun r = CliRun.run(
                "generate",
                "--events",
                "3000",
                "--users",
                "50",
                "--items",
                "300",
                "--seed",
                "5",
                "--out",
                out.toString(),
                "--format",
                "taobao",
                "--truth",
                truth.toString());

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("generated 3,000 events");
        var lines = Files.readAllLines(out);
        assertThat(lines).hasSize(3000).allMatch(l -> l.matches("\\d+,\\d+,\\d+,(pv|cart|fav|buy),\\d{10}"));
        var truthLines = Files.readAllLines(truth);
        assertThat(truthLines.get(0)).isEqualTo("event_id,user_id,item_id,p_cart,p_purchase");
        // Every truth row names a pv line of the written file by its replay id, with that line's user and item.
        for (String t : truthLines.subList(1, truthLines.size())) {
            String[] f = t.split(",");
            int line = Integer.parseInt(f[0].substring("taobao:gen.csv:".length()));
            String[] row = lines.get(line - 1).split(",");
            assertThat(row[3]).isEqualTo("pv");
            assertThat(row[0]).isEqualTo(f[1]);
            assertThat(row[1]).isEqualTo(f[2]);
        }
        assertThat(truthLines.size() - 1)
                .isEqualTo(lines.stream().filter(l -> l.contains(",pv,")).count());
    }

    @Test
    void generateIsDeterministicAcrossRuns() throws IOException {
        Path a = dir.resolve("a.jsonl");
        Path b = dir.resolve("b.jsonl");

        assertThat(CliRun.run("generate", "--events", "500", "--seed", "9", "--out", a.toString())
                        .exitCode())
                .isZero();
        assertThat(CliRun.run("generate", "--events", "500", "--seed", "9", "--out", b.toString())
                        .exitCode())
                .isZero();

        assertThat(Files.readAllLines(a)).hasSize(500).isEqualTo(Files.readAllLines(b));
        assertThat(Files.readAllLines(a).get(0)).startsWith("{\"event_id\":\"gen-9-0\",\"user_id\":");
    }
}
