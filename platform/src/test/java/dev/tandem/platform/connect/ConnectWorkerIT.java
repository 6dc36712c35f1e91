package dev.tandem.platform.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.testkit.FileTrees;
import dev.tandem.testkit.LoopbackPorts;
import dev.tandem.testkit.TandemClusterExtension;
import dev.tandem.testkit.connect.ConnectRest;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged plugin in a stock worker: Kafka's own {@code ConnectDistributed} in a child JVM whose class path has
 * connect-runtime and its dependencies but no class of this repository, with the platform's worker settings
 * ({@link WorkerSettings}, {@code plugin.discovery=service_load}) and the Confluent Hub zip unzipped into its plugin
 * path. Every plugin the zip's jars list in {@code META-INF/services} must then be one the worker offers, and so must a
 * probe plugin built here, which shows that discovery from plugin.path works whatever the zip holds today; the probe's
 * unlisted twin must not be, which shows that only service_load discovery ran.
 */
@Timeout(120)
class ConnectWorkerIT {
    @RegisterExtension
    static final TandemClusterExtension CLUSTER =
            new TandemClusterExtension().withPartitions(1).withoutPlatformTopics();

    static final String VERSION = System.getProperty("tandem.version", "0.1.0-SNAPSHOT");
    static final Path ZIP = Path.of(
            System.getProperty("tandem.connectors.zip", "../connectors/target/tandem-connectors-" + VERSION + ".zip"));
    static final List<String> PLUGIN_TYPES = List.of(
            "org.apache.kafka.connect.sink.SinkConnector",
            "org.apache.kafka.connect.source.SourceConnector",
            "org.apache.kafka.connect.storage.Converter",
            "org.apache.kafka.connect.storage.HeaderConverter",
            "org.apache.kafka.connect.transforms.Transformation",
            "org.apache.kafka.connect.transforms.predicates.Predicate");

    @TempDir
    Path dir;

    /** The worker's log and output stay here after the run (target/, overwritten by the next run). */
    static final Path LOGS = Path.of("target", "ConnectWorkerIT");

    Process worker;

    @AfterEach
    void stopWorker() throws InterruptedException {
        if (worker == null) return;
        worker.destroy(); // SIGTERM: Connect's shutdown hook leaves the group
        if (!worker.waitFor(30, TimeUnit.SECONDS)) worker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    @Test
    void aStockWorkerOffersEveryPluginTheZipListsAndOnlyThose() throws Exception {
        assertThat(ZIP).as("built by connectors' package phase").isRegularFile();
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        unzip(ZIP, plugins);
        probePlugin(plugins.resolve("probe"));

        Set<String> zipPlugins = new TreeSet<>();
        try (Stream<Path> files = Files.walk(plugins.resolve("tandem-connectors-" + VERSION))) {
            for (Path jar : files.filter(p -> p.toString().endsWith(".jar")).toList()) {
                zipPlugins.addAll(serviceEntries(jar));
            }
        }
        Set<String> expected = new TreeSet<>(zipPlugins);
        expected.add(ProbeSinkConnector.class.getName());

        int port = LoopbackPorts.freePort();
        Map<String, String> overrides = new HashMap<>();
        if (!zipPlugins.contains(WorkerSettings.VALUE_CONVERTER)) {
            // until the converter is in the plugin, a built-in one lets the worker start; the listing is what counts
            overrides.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        }
        WorkerSettings settings = new WorkerSettings(
                CLUSTER.bootstrapServers(), CLUSTER.registryUrl(), port, plugins, "service_load", overrides);
        long t0 = System.nanoTime();
        worker = startWorker(settings);

        ConnectRest rest = new ConnectRest(URI.create("http://127.0.0.1:" + port + "/"), Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .ignoreExceptionsInstanceOf(IOException.class)
                .until(() -> {
                    assertThat(worker.isAlive()).as(log()).isTrue();
                    return rest.get("health").status() == 200;
                });

        System.out.printf("worker healthy %d ms after its JVM started%n", (System.nanoTime() - t0) / 1_000_000);
        List<String> offered = rest.pluginClasses();
        assertThat(offered).as(log()).containsAll(expected);
        assertThat(offered).contains("org.apache.kafka.connect.storage.StringConverter");
        assertThat(offered).doesNotContain(ProbeSinkConnector.Unlisted.class.getName());
        System.out.println("plugins listed by the zip and offered by the worker: " + zipPlugins);
    }

    /** The child JVM: this test's class path less everything built from this repository. */
    private Process startWorker(WorkerSettings settings) throws IOException {
        Path repo = Path.of("").toAbsolutePath().getParent();
        List<String> classpath = Arrays.stream(
                        System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !Path.of(e).toAbsolutePath().normalize().startsWith(repo))
                .toList();
        assertThat(classpath).anyMatch(e -> e.contains("connect-runtime"));
        for (String resource : List.of(
                "dev/tandem/connect/serving/RecommendationStore.class",
                ProbeSinkConnector.class.getName().replace('.', '/') + ".class")) {
            assertThat(classpath).as(resource).noneMatch(e -> contains(Path.of(e), resource));
        }

        FileTrees.deleteQuietly(LOGS);
        Files.createDirectories(LOGS);
        Properties props = new Properties();
        props.putAll(settings.workerProperties());
        Path workerProps = dir.resolve("worker.properties");
        try (OutputStream out = Files.newOutputStream(workerProps)) {
            props.store(out, null);
        }
        Path log4j = Files.writeString(
                dir.resolve("log4j2.xml"), """
                <Configuration status="WARN">
                  <Appenders><File name="f" fileName="%s"><PatternLayout pattern="%%d %%-5level %%c{1} - %%msg%%n"/></File></Appenders>
                  <Loggers><Root level="INFO"><AppenderRef ref="f"/></Root></Loggers>
                </Configuration>
                """.formatted(LOGS.toAbsolutePath().resolve("worker.log")));
        Path argFile = Files.writeString(
                dir.resolve("java.args"),
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
        return new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "@" + argFile)
                .redirectErrorStream(true)
                .redirectOutput(LOGS.resolve("worker.out").toFile())
                .start();
    }

    private static boolean contains(Path entry, String resource) {
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

    /** The jar a plugin author would ship: the probe listed in META-INF/services, its unlisted twin not. */
    private static void probePlugin(Path pluginDir) throws IOException {
        Files.createDirectories(pluginDir);
        try (OutputStream out = Files.newOutputStream(pluginDir.resolve("probe.jar"));
                JarOutputStream jar = new JarOutputStream(out)) {
            for (Class<?> c : List.of(
                    ProbeSinkConnector.class, ProbeSinkConnector.ProbeTask.class, ProbeSinkConnector.Unlisted.class)) {
                String resource = c.getName().replace('.', '/') + ".class";
                jar.putNextEntry(new JarEntry(resource));
                try (InputStream in = ConnectWorkerIT.class.getClassLoader().getResourceAsStream(resource)) {
                    in.transferTo(jar);
                }
                jar.closeEntry();
            }
            jar.putNextEntry(new JarEntry("META-INF/services/org.apache.kafka.connect.sink.SinkConnector"));
            jar.write((ProbeSinkConnector.class.getName() + "\n").getBytes(StandardCharsets.UTF_8));
            jar.closeEntry();
        }
    }

    private static Set<String> serviceEntries(Path jar) throws IOException {
        Set<String> names = new TreeSet<>();
        try (JarFile jf = new JarFile(jar.toFile())) {
            for (String type : PLUGIN_TYPES) {
                JarEntry e = jf.getJarEntry("META-INF/services/" + type);
                if (e == null) continue;
                try (InputStream in = jf.getInputStream(e)) {
                    for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\\R")) {
                        String name = line.replaceFirst("#.*", "").trim();
                        if (!name.isEmpty()) names.add(name);
                    }
                }
            }
        }
        return names;
    }

    private static void unzip(Path zip, Path into) throws IOException {
        try (ZipFile z = new ZipFile(zip.toFile())) {
            for (ZipEntry e : z.stream().toList()) {
                Path target = into.resolve(e.getName()).normalize();
                if (!target.startsWith(into)) throw new IOException("zip entry outside the target: " + e.getName());
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

    private String log() {
        StringBuilder sb = new StringBuilder("worker output:\n");
        for (String f : List.of("worker.out", "worker.log")) {
            try {
                List<String> lines = Files.readAllLines(LOGS.resolve(f));
                lines.subList(Math.max(0, lines.size() - 40), lines.size())
                        .forEach(l -> sb.append(l).append('\n'));
            } catch (IOException e) {
                sb.append("(no ").append(f).append(")\n");
            }
        }
        return sb.toString();
    }
}
