package dev.tandem.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An app image's entrypoint, run from its extracted layers with {@code --help}: the image's own Java, its own
 * glibc and class path, in a chroot inside an unprivileged user namespace ({@code unshare -r}), with a fresh /proc
 * (the JVM finds its libraries through /proc/self/exe). It runs as the namespace's root, not the image's user: an
 * unprivileged namespace maps one id only.
 */
class ImageSmokeTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(
            value = Images.class,
            names = {"FEATURES", "MONITORING", "SERVING", "REGISTRY"})
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void entrypointPrintsUsageAndExitsZero(Images i) throws Exception {
        ImageTar image = i.image();
        List<String> command = new ArrayList<>(image.entrypoint());
        command.add("--help");

        Run run = runInImage(image, command, root -> {});

        assertThat(run.exit()).as(run.out()).isZero();
        String main = i.mainClass.substring(i.mainClass.lastIndexOf('.') + 1);
        assertThat(run.out())
                .contains("Usage: " + main + " [config.properties]")
                .contains(i == Images.SERVING ? "store (TANDEM_STORE)" : "bootstrap.servers (TANDEM_BOOTSTRAP_SERVERS)")
                .as("a logging backend on the image's class path")
                .doesNotContain("No SLF4J providers");
    }

    /**
     * The chart's connectors Job: the Connect image's java and class path with CreateConnectors as the main. A worker
     * that refuses connections and no time to wait make it fail at once, after it has read the connector file
     * (Jackson) and tried the worker (java.net.http): both must be in the image.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theConnectImageRunsCreateConnectors() throws Exception {
        ImageTar image = Images.CONNECT.image();
        List<String> command = new ArrayList<>(image.entrypoint());
        command.set(command.size() - 1, CreateConnectors.class.getName());
        command.remove("/app/resources/connect-worker.properties");
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        command.addAll(List.of("http://127.0.0.1:" + closed, "0", "/tmp/connectors"));

        Run run = runInImage(
                image,
                command,
                root -> Files.writeString(
                        Files.createDirectories(root.resolve("tmp/connectors")).resolve("sink.json"),
                        "{\"name\": \"sink\", \"config\": {\"connector.class\": \"dev.tandem.connect.redis.RedisSinkConnector\"}}"));

        assertThat(run.exit()).as(run.out()).isEqualTo(1);
        assertThat(run.out())
                .contains("connector sink was not accepted within 0 s")
                .contains("java.net.ConnectException");
    }

    record Run(int exit, String out) {}

    interface RootSetup {
        void prepare(Path root) throws IOException;
    }

    /** Runs a command in the image's extracted layers, with exactly the image's environment. */
    private Run runInImage(ImageTar image, List<String> commandInImage, RootSetup setup) throws Exception {
        assumeTrue(unshareWorks(), "unshare -rmpf --mount-proc chroot is not allowed on this machine");
        Path root = tmp.resolve("rootfs");
        Files.createDirectories(root);
        image.extractTo(root);
        Files.createDirectories(root.resolve("proc"));
        setup.prepare(root);

        Path unshare = onPath("unshare");
        Path chroot = onPath("chroot");
        List<String> command = new ArrayList<>(List.of(
                unshare.toString(),
                "-rmpf",
                "--mount-proc=" + root.resolve("proc"),
                chroot.toString(),
                root.toString()));
        command.addAll(commandInImage);
        ProcessBuilder pb = new ProcessBuilder(command);
        // exactly the image's environment: chroot finds `java` through the image's PATH, as a container runtime does
        pb.environment().clear();
        for (var env : image.config.path("config").path("Env")) {
            String kv = env.asText();
            pb.environment().put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        Path log = tmp.resolve("out.txt");
        Process p = pb.redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .directory(tmp.toFile())
                .start();
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("exited").isTrue();
        return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    private static Path onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(dir, command);
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    private boolean unshareWorks() throws IOException, InterruptedException {
        if (!System.getProperty("os.name").startsWith("Linux") || onPath("unshare") == null || onPath("chroot") == null)
            return false;
        Path probe = tmp.resolve("probe");
        Files.createDirectories(probe.resolve("proc"));
        try {
            Process p = new ProcessBuilder(
                            onPath("unshare").toString(),
                            "-rmpf",
                            "--mount-proc=" + probe.resolve("proc"),
                            onPath("chroot").toString(),
                            "/",
                            "true")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }
}
