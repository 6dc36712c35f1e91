package dev.tandem.images;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/** The images {@code -Pimages} builds, where their tars land, and one read of each tar per test JVM. */
enum Images {
    FEATURES("streams-features", "tandem-features", "dev.tandem.features.FeaturesApp", null, 8090),
    MONITORING("monitoring", "tandem-monitoring", "dev.tandem.monitoring.MonitoringApp", null, 8092),
    SERVING("connectors", "tandem-serving", "dev.tandem.connect.serving.http.ServingApp", null, 8095),
    REGISTRY("schemas", "tandem-registry", "dev.tandem.schemas.registry.server.RegistryApp", null, 8081),
    CONNECT(
            "images",
            "tandem-connect",
            "org.apache.kafka.connect.cli.ConnectDistributed",
            Pattern.compile("app/libs/connect-runtime-[^/]+\\.jar"),
            8083);

    static final Path ROOT =
            Path.of(System.getProperty("tandem.root", "..")).toAbsolutePath().normalize();
    static final String VERSION = System.getProperty("tandem.version", "");
    private static final Map<Images, ImageTar> READ = new ConcurrentHashMap<>();

    final String module;
    final String name;
    final String mainClass;
    /** The jar that holds {@link #mainClass}, or null where the module's own classes do. */
    final Pattern mainJar;
    /** The HTTP port the app listens on by default (API, metrics or Connect's REST). */
    final int port;

    Images(String module, String name, String mainClass, Pattern mainJar, int port) {
        this.module = module;
        this.name = name;
        this.mainClass = mainClass;
        this.mainJar = mainJar;
        this.port = port;
    }

    Path tar() {
        return ROOT.resolve(module).resolve("target/jib").resolve(name + ".tar");
    }

    /** The tar, read once; the test is skipped (one line) where it was not built. */
    ImageTar image() {
        Path tar = tar();
        assumeTrue(
                Files.isRegularFile(tar),
                () -> "no " + ROOT.relativize(tar) + ": build it with mvn -Pimages -DskipTests package");
        return READ.computeIfAbsent(this, i -> {
            try {
                return ImageTar.read(
                        tar,
                        p -> p.equals("app/jib-classpath-file")
                                || p.equals("etc/passwd")
                                || (mainJar != null && mainJar.matcher(p).matches()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
