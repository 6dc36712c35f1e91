package dev.tandem.platform.connect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testkit.FileTrees;
import dev.tandem.testkit.LoopbackPorts;
import dev.tandem.testkit.TandemClusterExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
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

    static final String VERSION = ChildConnectWorker.VERSION;
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

    ChildConnectWorker worker;

    @AfterEach
    void stopWorker() throws InterruptedException {
        if (worker != null) worker.close();
    }

    @Test
    void aStockWorkerOffersEveryPluginTheZipListsAndOnlyThose() throws Exception {
        Path plugins = dir.resolve("plugins");
        ChildConnectWorker.unzipPlugin(ChildConnectWorker.ZIP, plugins);
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
        String probe = ProbeSinkConnector.class.getName().replace('.', '/') + ".class";
        assertThat(ChildConnectWorker.classpath())
                .as(probe)
                .noneMatch(e -> ChildConnectWorker.contains(Path.of(e), probe));
        FileTrees.deleteQuietly(LOGS);
        long t0 = System.nanoTime();
        worker = ChildConnectWorker.start("worker", settings, dir, LOGS);
        worker.awaitHealthy(Duration.ofSeconds(60));

        System.out.printf("worker healthy %d ms after its JVM started%n", (System.nanoTime() - t0) / 1_000_000);
        List<String> offered = worker.rest().pluginClasses();
        assertThat(offered).as(worker::logTail).containsAll(expected);
        assertThat(offered).contains("org.apache.kafka.connect.storage.StringConverter");
        assertThat(offered).doesNotContain(ProbeSinkConnector.Unlisted.class.getName());
        System.out.println("plugins listed by the zip and offered by the worker: " + zipPlugins);
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
}
