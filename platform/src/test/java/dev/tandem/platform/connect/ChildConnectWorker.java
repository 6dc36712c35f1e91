package dev.tandem.platform.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.testkit.connect.ConnectRest;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Kafka's stock {@code ConnectDistributed} in a child JVM whose class path is the test's less everything built from this
 * repository, so the Tandem plugin can only come from {@code plugin.path}, as on a production worker. Being a process
 * of its own, it can be killed the hard way ({@link #kill()}: SIGKILL), which no in-process worker can imitate: its
 * tasks get no {@code stop()}, no last offset commit and no chance to leave their groups.
 */
final class ChildConnectWorker implements AutoCloseable {
    static final String VERSION = System.getProperty("tandem.version", "0.1.0-SNAPSHOT");
    /** The Confluent Hub zip the connectors module packaged earlier in the reactor. */
    static final Path ZIP = Path.of(
            System.getProperty("tandem.connectors.zip", "../connectors/target/tandem-connectors-" + VERSION + ".zip"));

    private final String name;
    private final Process process;
    private final Path logs;
    private final int restPort;
    private final ConnectRest rest;

    private ChildConnectWorker(String name, Process process, Path logs, int restPort) {
        this.name = name;
        this.process = process;
        this.logs = logs;
        this.restPort = restPort;
        this.rest = new ConnectRest(URI.create("http://127.0.0.1:" + restPort + "/"), Duration.ofSeconds(10));
    }

    /**
     * Starts a worker with these settings (their REST port must not be 0: the test has to know it).
     *
     * @param work a dir for its properties and arguments
     * @param logs where its log4j file ({@code NAME.log}) and its stdout/stderr ({@code NAME.out}) go
     */
    static ChildConnectWorker start(String name, WorkerSettings settings, Path work, Path logs) throws IOException {
        if (settings.restPort() == 0) throw new IllegalArgumentException("give the child worker a fixed REST port");
        List<String> classpath = classpath();
        assertThat(classpath).anyMatch(e -> e.contains("connect-runtime"));
        String ours = "dev/tandem/connect/serving/RecommendationStore.class";
        assertThat(classpath).as(ours).noneMatch(e -> contains(Path.of(e), ours));

        Files.createDirectories(work);
        Files.createDirectories(logs);
        Properties props = new Properties();
        props.putAll(settings.workerProperties());
        Path workerProps = work.resolve(name + ".properties");
        try (OutputStream out = Files.newOutputStream(workerProps)) {
            props.store(out, null);
        }
        Path log4j = Files.writeString(work.resolve(name + "-log4j2.xml"), """
                <Configuration status="WARN">
                  <Appenders><File name="f" fileName="%s"><PatternLayout pattern="%%d %%-5level %%c{1} - %%msg%%n"/></File></Appenders>
                  <Loggers><Root level="INFO"><AppenderRef ref="f"/></Root></Loggers>
                </Configuration>
                """.formatted(
                        logs.toAbsolutePath().resolve(name + ".log")));
        Path argFile = Files.writeString(
                work.resolve(name + ".args"),
                String.join(
                        "\n",
                        "-Xmx512m",
                        "-XX:+UseSerialGC",
                        "-XX:TieredStopAtLevel=1",
                        "-Dlog4j2.configurationFile=" + log4j,
                        "-cp",
                        String.join(File.pathSeparator, classpath),
                        "org.apache.kafka.connect.cli.ConnectDistributed",
                        workerProps.toString()));
        Process p = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "@" + argFile)
                .redirectErrorStream(true)
                .redirectOutput(logs.resolve(name + ".out").toFile())
                .start();
        return new ChildConnectWorker(name, p, logs, settings.restPort());
    }

    ConnectRest rest() {
        return rest;
    }

    /** How Connect names this worker in statuses ({@code worker_id}): its advertised REST host and port. */
    String workerId() {
        return WorkerSettings.REST_HOST + ":" + restPort;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits until {@code GET /health} answers 200 (joined its group, read its config topic); fails if it dies. */
    void awaitHealthy(Duration atMost) {
        await(name + " healthy")
                .atMost(atMost)
                .pollInterval(Duration.ofMillis(250))
                .ignoreExceptionsInstanceOf(IOException.class)
                .until(() -> {
                    assertThat(process.isAlive()).as(this::logTail).isTrue();
                    return rest.get("health").status() == 200;
                });
    }

    /**
     * Whether connector {@code connector} and all of its {@code tasks} tasks run on this worker, by
     * {@code GET /connectors/NAME/status}; a FAILED connector or task fails the test with Connect's trace. The status
     * topic keeps a killed worker's last word, so the worker id is what tells a task that runs here now.
     */
    boolean runs(String connector, int tasks) throws IOException, InterruptedException {
        assertThat(process.isAlive()).as(this::logTail).isTrue();
        ConnectRest.Response r = rest.status(connector);
        if (r.status() != 200) return false;
        JsonNode json = r.json();
        assertThat(json.path("connector").path("state").asText())
                .as(() -> "connector " + connector + ": " + json.toPrettyString())
                .isNotEqualTo("FAILED");
        int running = 0;
        for (JsonNode t : json.path("tasks")) {
            assertThat(t.path("state").asText())
                    .as(() -> "task of " + connector + ": " + t.toPrettyString())
                    .isNotEqualTo("FAILED");
            if ("RUNNING".equals(t.path("state").asText())
                    && workerId().equals(t.path("worker_id").asText())) running++;
        }
        return running == tasks;
    }

    /**
     * How many times a sink task's {@code put} has thrown a {@code RetriableException} so far: Connect logs each one
     * ({@code RetriableException from SinkTask}) before it hands the same batch to the task again.
     */
    long retriableFailures() throws IOException {
        Path log = logs.resolve(name + ".log");
        if (!Files.exists(log)) return 0;
        try (var lines = Files.lines(log)) {
            return lines.filter(l -> l.contains("RetriableException from SinkTask"))
                    .count();
        }
    }

    /** SIGKILL ({@link Process#destroyForcibly()} on Linux): the JVM ends at once, no shutdown hook runs. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) throw new IllegalStateException(name + " survived SIGKILL");
    }

    /** The last lines of its log and output, for assertion messages. */
    String logTail() {
        StringBuilder sb = new StringBuilder(name).append(" output:\n");
        for (String f : List.of(name + ".out", name + ".log")) {
            try {
                List<String> lines = Files.readAllLines(logs.resolve(f));
                lines.subList(Math.max(0, lines.size() - 40), lines.size())
                        .forEach(l -> sb.append(l).append('\n'));
            } catch (IOException e) {
                sb.append("(no ").append(f).append(")\n");
            }
        }
        return sb.toString();
    }

    /** SIGTERM, so Connect's shutdown hook stops the tasks and leaves the groups; SIGKILL if that takes too long. */
    @Override
    public void close() throws InterruptedException {
        if (!process.isAlive()) return;
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) kill();
    }

    /** Unzips the plugin zip into {@code pluginPath} (a dir for {@code plugin.path}, which then holds the plugin). */
    static void unzipPlugin(Path zip, Path pluginPath) throws IOException {
        assertThat(zip).as("built by connectors' package phase").isRegularFile();
        Files.createDirectories(pluginPath);
        try (ZipFile z = new ZipFile(zip.toFile())) {
            for (ZipEntry e : z.stream().toList()) {
                Path target = pluginPath.resolve(e.getName()).normalize();
                if (!target.startsWith(pluginPath))
                    throw new IOException("zip entry outside the target: " + e.getName());
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    try (InputStream in = z.getInputStream(e)) {
                        Files.copy(in, target);
                    }
                }
            }
        }
    }

    /** The child's class path: this test JVM's, less every entry under the repository (our modules' classes and jars). */
    static List<String> classpath() {
        Path repo = Path.of("").toAbsolutePath().getParent();
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !Path.of(e).toAbsolutePath().normalize().startsWith(repo))
                .toList();
    }

    static boolean contains(Path entry, String resource) {
        try {
            if (Files.isDirectory(entry)) return Files.exists(entry.resolve(resource));
            if (!Files.isRegularFile(entry)) return false;
            try (JarFile jar = new JarFile(entry.toFile())) {
                return jar.getEntry(resource) != null;
            }
        } catch (IOException e) {
            return false;
        }
    }
}
