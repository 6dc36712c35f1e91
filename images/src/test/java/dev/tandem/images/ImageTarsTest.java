package dev.tandem.images;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Each image tar, read without Docker: what a runtime would run, as whom, with which labels, from which files. */
class ImageTarsTest {

    @ParameterizedTest
    @EnumSource(Images.class)
    void isTaggedWithTheProjectVersionAndHasEveryLayerItsConfigNames(Images i) {
        ImageTar image = i.image();
        assertThat(image.manifest.get(0).get("RepoTags").get(0).asText())
                .isEqualTo("tandem/" + i.name + ":" + Images.VERSION);
        assertThat(image.config.path("rootfs").path("diff_ids").size()).isEqualTo(image.layers.size());
    }

    @ParameterizedTest
    @EnumSource(Images.class)
    void entrypointRunsTheMainOnJavaWithContainerSizedHeap(Images i) {
        List<String> entrypoint = i.image().entrypoint();
        assertThat(entrypoint).first().isEqualTo("java");
        assertThat(entrypoint).contains("-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError");
        assertThat(entrypoint).containsSubsequence("-cp", "@/app/jib-classpath-file", i.mainClass);
        assertThat(entrypoint).last().isEqualTo(i.mainClass);
    }

    @ParameterizedTest
    @EnumSource(Images.class)
    void runsAsANumericNonRootUserThatCanWriteTmp(Images i) {
        ImageTar image = i.image();
        String user = image.config.path("config").path("User").asText();
        assertThat(user).matches("\\d+(:\\d+)?");
        assertThat(Integer.parseInt(user.split(":")[0])).isNotZero();
        // the chart's pods run as tandem.image.user too (helm's ImageContractTest): one definition for both
        String expected = System.getProperty("tandem.image.user");
        assertThat(user).isEqualTo(expected + ":" + expected);
        TarReader.Entry tmp = image.files.get("tmp/");
        if (tmp == null) tmp = image.files.get("tmp");
        assertThat(tmp).as("/tmp").isNotNull();
        assertThat(tmp.mode() & 0002)
                .as("/tmp writable by others, mode %o", tmp.mode())
                .isNotZero();
    }

    @ParameterizedTest
    @EnumSource(Images.class)
    void carriesTheOciLabels(Images i) throws Exception {
        ImageTar image = i.image();
        assertThat(image.label("org.opencontainers.image.title")).isEqualTo(i.name);
        assertThat(image.label("org.opencontainers.image.version")).isEqualTo(Images.VERSION);
        String revision = image.label("org.opencontainers.image.revision");
        assertThat(revision).matches("[0-9a-f]{40}");
        // this checkout's history has it (another worktree's HEAD once ended up here)
        assertThat(git("merge-base", "--is-ancestor", revision, "HEAD"))
                .as("%s is HEAD or an ancestor of it in %s", revision, Images.ROOT)
                .isZero();
        assertThat(image.label("org.opencontainers.image.source")).isNotBlank();
    }

    @ParameterizedTest
    @EnumSource(Images.class)
    void javaOnThePathIsAnExecutableFileWithItsLoader(Images i) {
        ImageTar image = i.image();
        String java = image.resolveCommand("java");
        assertThat(java).as("java on the image's PATH %s", image.env("PATH")).isNotNull();
        TarReader.Entry entry = image.files.get(java);
        assertThat(entry.isFile()).as(java + " is a file").isTrue();
        assertThat(entry.isExecutable()).as("%s mode %o", java, entry.mode()).isTrue();
        if (java.equals("opt/java/bin/java")) { // our base: the runtime's libraries and glibc's loader come with it
            assertThat(image.files).containsKey("opt/java/lib/server/libjvm.so");
            assertThat(image.files.get("lib64/ld-linux-x86-64.so.2"))
                    .as("the ELF interpreter")
                    .isNotNull()
                    .matches(TarReader.Entry::isExecutable, "executable");
        }
    }

    @ParameterizedTest
    @EnumSource(Images.class)
    void everyClassPathEntryIsInTheImageAndHoldsTheMainClass(Images i) throws IOException {
        ImageTar image = i.image();
        byte[] cp = image.captured.get("app/jib-classpath-file");
        assertThat(cp).as("/app/jib-classpath-file").isNotNull();
        List<String> entries =
                List.of(new String(cp, StandardCharsets.UTF_8).strip().split(":"));
        assertThat(entries).isNotEmpty();
        // Jib names /app/resources and /app/classes whether or not the module has any; the jars must all be there
        assertThat(entries.stream().filter(e -> e.endsWith(".jar")))
                .isNotEmpty()
                .allSatisfy(e -> assertThat(image.files.get(e.substring(1)))
                        .as("class path jar %s in the image", e)
                        .isNotNull()
                        .matches(TarReader.Entry::isFile, "a file"));
        String classFile = i.mainClass.replace('.', '/') + ".class";
        if (i.mainJar == null) {
            assertThat(image.files).containsKey("app/classes/" + classFile);
        } else {
            List<String> holders = new ArrayList<>();
            for (Map.Entry<String, byte[]> jar : image.captured.entrySet()) {
                if (i.mainJar.matcher(jar.getKey()).matches() && jarHas(jar.getValue(), classFile)) {
                    holders.add(jar.getKey());
                }
            }
            assertThat(holders).as("jars holding " + classFile).hasSize(1);
            assertThat(entries).contains("/" + holders.get(0));
        }
    }

    @ParameterizedTest
    @EnumSource(Images.class)
    void carriesNoTensorFlow(Images i) {
        assertThat(i.image().files.keySet())
                .noneMatch(p -> p.toLowerCase(Locale.ROOT).contains("tensorflow"))
                .noneMatch(p -> p.contains("javacpp"));
    }

    @Test
    void theConnectImageHasThePluginDirAndTheWorkerSettingsItsCommandNames() {
        ImageTar image = Images.CONNECT.image();
        assertThat(image.cmd()).containsExactly("/app/resources/connect-worker.properties");
        assertThat(image.files).containsKey("app/resources/connect-worker.properties");
        String plugin = "opt/tandem/plugins/tandem-connectors/";
        assertThat(image.files).containsKey(plugin + "tandem-connectors-" + Images.VERSION + ".jar");
        // the worker provides Kafka's jars and the logging API: a second copy in the plugin clashes with them
        assertThat(image.files.keySet())
                .filteredOn(p -> p.startsWith(plugin))
                .noneMatch(p -> p.matches(".*/(kafka-clients|connect-api|slf4j-api|log4j-[a-z0-9-]+)-[^/]*\\.jar"));
        assertThat(image.files.keySet())
                .anyMatch(p -> p.matches("app/libs/kafka-clients-[^/]+\\.jar"))
                .anyMatch(p -> p.matches("app/libs/log4j-core-[^/]+\\.jar"));
    }

    @ParameterizedTest
    @EnumSource(Images.class)
    void hasTheLoggingApiAndABackend(Images i) {
        // the modules keep their backend test-scoped (the CLI brings its own); an image without one logs nothing
        assertThat(i.image().files.keySet())
                .anyMatch(p -> p.matches("app/libs/slf4j-api-[^/]+\\.jar"))
                .anyMatch(p -> p.matches("app/libs/log4j-slf4j2-impl-[^/]+\\.jar"))
                .anyMatch(p -> p.matches("app/libs/log4j-core-[^/]+\\.jar"));
    }

    @Test
    void theServingImageHasItsMetricsRegistryAndNoConnectRuntime() {
        assertThat(Images.SERVING.image().files.keySet())
                .anyMatch(p -> p.matches("app/libs/micrometer-registry-prometheus-[^/]+\\.jar"))
                .noneMatch(p -> p.matches("app/libs/connect-runtime-[^/]+\\.jar"));
    }

    @Test
    void theRegistryImageIsTheSchemasModuleAloneWithoutStreamsOrRocksDb() {
        // every app depends on schemas, not the other way round: the registry image must stay this small
        assertThat(Images.REGISTRY.image().files.keySet())
                .anyMatch(p -> p.matches("app/libs/kafka-clients-[^/]+\\.jar"))
                .anyMatch(p -> p.matches("app/libs/avro-[^/]+\\.jar"))
                .noneMatch(p -> p.matches("app/libs/(kafka-streams|rocksdbjni|tandem-[a-z-]+)-[^/]*\\.jar"));
    }

    @ParameterizedTest
    @EnumSource(Images.class)
    void exposesItsPortAndListensBeyondLoopback(Images i) {
        ImageTar image = i.image();
        assertThat(image.config.path("config").path("ExposedPorts").has(i.port + "/tcp"))
                .as("exposes %s/tcp: %s", i.port, image.config.path("config").path("ExposedPorts"))
                .isTrue();
        if (i != Images.CONNECT) { // Connect's listener is in its worker file
            assertThat(image.env("TANDEM_HTTP_HOST")).isEqualTo("0.0.0.0");
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = Images.class,
            names = {"FEATURES", "MONITORING"})
    void streamsStateGoesWhereTheNonRootUserMayWrite(Images i) {
        // the default state.dir is relative to the working dir, /app, which belongs to root
        assertThat(i.image().env("TANDEM_STATE_DIR")).startsWith("/tmp/");
    }

    private static int git(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("git", "-C", Images.ROOT.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        return p.waitFor();
    }

    private static boolean jarHas(byte[] jar, String entry) throws IOException {
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(jar))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                if (e.getName().equals(entry)) return true;
            }
        }
        return false;
    }
}
