package dev.tandem.connect.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.storage.Converter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged plugin (built at {@code package}, so an IT): the Confluent Hub zip and the plugin.path dir hold this
 * module, its runtime dependencies and a manifest, and nothing a worker provides itself.
 */
class PluginPackageIT {
    static final String VERSION = System.getProperty("tandem.plugin.version", "0.1.0-SNAPSHOT");
    static final Path ZIP =
            Path.of(System.getProperty("tandem.plugin.zip", "target/tandem-connectors-" + VERSION + ".zip"));
    static final Path DIR = Path.of(System.getProperty("tandem.plugin.dir", "target/plugin/tandem-connectors"));
    static final String TOP = "tandem-connectors-" + VERSION + "/";
    /** artifact-version.jar, e.g. netty-codec-dns-4.2.13.Final.jar → netty-codec-dns. */
    static final Pattern ARTIFACT = Pattern.compile("(.+?)-\\d[^/]*\\.jar");

    static List<String> zipEntries;

    @TempDir
    static Path unzipped;

    @BeforeAll
    static void readZip() throws IOException {
        assertThat(ZIP).as("built by mvn package").isRegularFile();
        zipEntries = new ArrayList<>();
        try (ZipFile zip = new ZipFile(ZIP.toFile())) {
            zip.stream().forEach(e -> zipEntries.add(e.getName()));
            for (ZipEntry e : zip.stream().toList()) {
                Path target = unzipped.resolve(e.getName()).normalize();
                assertThat(target.startsWith(unzipped)).as(e.getName()).isTrue();
                if (e.isDirectory()) Files.createDirectories(target);
                else {
                    Files.createDirectories(target.getParent());
                    try (InputStream in = zip.getInputStream(e)) {
                        Files.copy(in, target);
                    }
                }
            }
        }
    }

    @Test
    void oneTopLevelDirWithTheManifestLibAndDoc() {
        assertThat(zipEntries).allSatisfy(n -> assertThat(n).startsWith(TOP));
        assertThat(zipEntries).contains(TOP + "manifest.json", TOP + "doc/README.md", TOP + "doc/LICENSE");
        assertThat(zipEntries.stream().filter(n -> n.endsWith(".jar")))
                .isNotEmpty()
                .allSatisfy(n -> assertThat(n).matches(Pattern.quote(TOP) + "lib/[^/]+\\.jar"));
    }

    @Test
    void theManifestDescribesTheSinksAndTheConverterUnderApacheTwo() throws IOException {
        String text = Files.readString(unzipped.resolve(TOP + "manifest.json"));
        assertThat(text).as("filtered by the build").doesNotContain("${");
        JsonNode m = new ObjectMapper().readTree(text);
        assertThat(m.path("name").asText()).isEqualTo("tandem-connectors");
        assertThat(m.path("version").asText()).isEqualTo(VERSION);
        assertThat(m.path("owner").path("name").asText()).isNotBlank();
        assertThat(m.path("owner").path("username").asText()).isNotBlank();
        List<String> types = new ArrayList<>();
        m.path("component_types").forEach(t -> types.add(t.asText()));
        assertThat(types).containsExactlyInAnyOrder("sink", "converter");
        assertThat(m.path("requirements").size()).isPositive();
        List<String> licenses = new ArrayList<>();
        m.path("license").forEach(l -> licenses.add(l.path("name").asText()));
        assertThat(licenses).containsExactly("Apache-2.0");
    }

    @Test
    void libHoldsThePluginAndItsRuntimeDependencies() {
        Set<String> artifacts = artifacts(libJarNames());
        assertThat(libJarNames())
                .contains("tandem-connectors-" + VERSION + ".jar", "tandem-schemas-" + VERSION + ".jar");
        assertThat(artifacts)
                .contains(
                        "lettuce-core",
                        "netty-common",
                        "netty-handler",
                        "reactor-core",
                        "postgresql",
                        "sqlite-jdbc",
                        "jackson-databind",
                        "micrometer-core",
                        "avro");
    }

    @Test
    void nothingTheWorkerProvidesByNameOrByContent() throws IOException {
        assertThat(artifacts(libJarNames()))
                .noneMatch(a -> a.startsWith("connect-")
                        || a.startsWith("kafka")
                        || a.startsWith("log4j")
                        || a.startsWith("slf4j")
                        || a.startsWith("logback"));
        // by content too: a shaded or renamed copy of the worker's classes is as bad as the jar itself
        List<String> offending = new ArrayList<>();
        for (Path jar : libJars()) {
            try (ZipFile z = new ZipFile(jar.toFile())) {
                z.stream()
                        .map(ZipEntry::getName)
                        .filter(n -> n.endsWith(".class"))
                        .filter(n -> n.startsWith("org/apache/kafka/")
                                || n.startsWith("org/slf4j/")
                                || n.startsWith("org/apache/logging/log4j/")
                                || n.startsWith("ch/qos/logback/"))
                        .findFirst()
                        .ifPresent(n -> offending.add(jar.getFileName() + ": " + n));
            }
        }
        assertThat(offending).isEmpty();
    }

    @Test
    void oneVersionOfEachArtifact() {
        List<String> names = libJarNames();
        assertThat(artifacts(names)).hasSize(names.size());
    }

    @Test
    void thePluginPathDirHoldsTheSameJars() throws IOException {
        assertThat(DIR).isDirectory();
        try (Stream<Path> files = Files.list(DIR)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted())
                    .containsExactlyElementsOf(new TreeSet<>(libJarNames()));
        }
    }

    /** With plugin.discovery=service_load a worker sees only listed plugins: every plugin class must be listed. */
    @Test
    void everyPluginClassIsListedInMetaInfServices() throws IOException {
        Path pluginJar = unzipped.resolve(TOP + "lib/tandem-connectors-" + VERSION + ".jar");
        assertThat(PluginJars.problems(pluginJar, libJars(), "dev.tandem")).isEmpty();
    }

    /** The check above on a jar built here, so it is known to catch a missing or wrong entry. */
    @Test
    void theServicesCheckCatchesAnUnlistedPluginAndABadEntry(@TempDir Path dir) throws IOException {
        String name = ProbeConverter.class.getName();
        Path unlisted = jar(dir.resolve("unlisted.jar"), Map.of());
        assertThat(PluginJars.problems(unlisted, List.of(unlisted), "dev.tandem"))
                .containsExactly(name + " is a org.apache.kafka.connect.storage.Converter but META-INF/services/"
                        + "org.apache.kafka.connect.storage.Converter does not list it");

        Path listed = jar(
                dir.resolve("listed.jar"),
                Map.of("META-INF/services/org.apache.kafka.connect.storage.Converter", "# ours\n" + name + "\n"));
        assertThat(PluginJars.problems(listed, List.of(listed), "dev.tandem")).isEmpty();
        assertThat(PluginJars.serviceEntries(listed))
                .containsEntry("org.apache.kafka.connect.storage.Converter", Set.of(name));

        Path wrong = jar(
                dir.resolve("wrong.jar"),
                Map.of(
                        "META-INF/services/org.apache.kafka.connect.storage.Converter",
                        name + "\ndev.tandem.Missing\n",
                        "META-INF/services/org.apache.kafka.connect.sink.SinkConnector",
                        name + "\n"));
        assertThat(PluginJars.problems(wrong, List.of(wrong), "dev.tandem"))
                .containsExactlyInAnyOrder(
                        "META-INF/services/org.apache.kafka.connect.storage.Converter lists dev.tandem.Missing, not found",
                        name + " is listed as a org.apache.kafka.connect.sink.SinkConnector but is not one");
    }

    /** A jar of {@link ProbeConverter} (its class file from the test classes) and the given extra entries. */
    private static Path jar(Path path, Map<String, String> extra) throws IOException {
        String resource = ProbeConverter.class.getName().replace('.', '/') + ".class";
        Map<String, byte[]> entries = new HashMap<>();
        try (InputStream in = PluginPackageIT.class.getClassLoader().getResourceAsStream(resource)) {
            entries.put(resource, in.readAllBytes());
        }
        extra.forEach((k, v) -> entries.put(k, v.getBytes(StandardCharsets.UTF_8)));
        try (OutputStream out = Files.newOutputStream(path);
                JarOutputStream jar = new JarOutputStream(out)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                jar.putNextEntry(new JarEntry(e.getKey()));
                jar.write(e.getValue());
                jar.closeEntry();
            }
        }
        return path;
    }

    private static List<String> libJarNames() {
        return zipEntries.stream()
                .filter(n -> n.startsWith(TOP + "lib/") && n.endsWith(".jar"))
                .map(n -> n.substring((TOP + "lib/").length()))
                .sorted()
                .toList();
    }

    private static List<Path> libJars() {
        return libJarNames().stream()
                .map(n -> unzipped.resolve(TOP + "lib/" + n))
                .toList();
    }

    private static Set<String> artifacts(List<String> jarNames) {
        Set<String> artifacts = new TreeSet<>();
        for (String n : jarNames) {
            Matcher m = ARTIFACT.matcher(n);
            assertThat(m.matches()).as("versioned jar name: " + n).isTrue();
            artifacts.add(m.group(1));
        }
        return artifacts;
    }

    /** A plugin class for the check's own test: public, concrete, a Converter. */
    public static final class ProbeConverter implements Converter {
        @Override
        public void configure(Map<String, ?> configs, boolean isKey) {}

        @Override
        public byte[] fromConnectData(String topic, Schema schema, Object value) {
            return null;
        }

        @Override
        public SchemaAndValue toConnectData(String topic, byte[] value) {
            return SchemaAndValue.NULL;
        }

        @Override
        public ConfigDef config() {
            return new ConfigDef();
        }
    }
}
