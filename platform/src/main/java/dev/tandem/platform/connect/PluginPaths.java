package dev.tandem.platform.connect;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where {@code tandem connect} finds the packaged plugin when {@code --plugin-path} is not given, and what a plugin
 * path must look like. A plugin path is the dir that holds plugins (each a sub-dir, such as {@code tandem-connectors/},
 * or an uber-jar); given the plugin's own dir instead, Connect would make each of its jars a plugin of its own, and the
 * connectors would not find their dependencies: that mistake is refused up front.
 */
public final class PluginPaths {
    /** The build's plugin dir, under the connectors module. */
    public static final Path BUILD_DIR = Path.of("connectors", "target", "plugin");
    /** In a distribution, the dir next to the CLI's {@code lib/}. */
    public static final String DISTRIBUTION_DIR = "plugin";

    private PluginPaths() {}

    /** The first candidate dir that exists; empty when none does. */
    public static Optional<Path> defaultPath() {
        return candidates(codeLocation(), Path.of("").toAbsolutePath()).stream()
                .filter(Files::isDirectory)
                .findFirst();
    }

    /**
     * Next to the CLI's jars ({@code <home>/lib/x.jar} → {@code <home>/plugin}), then the build's dir under the nearest
     * ancestor of the CLI's classes or jars that has one (a source checkout run by {@code ./tandem}), then under the
     * working dir.
     */
    static List<Path> candidates(Path codeLocation, Path workingDir) {
        List<Path> c = new ArrayList<>();
        if (codeLocation != null) {
            Path dir = Files.isRegularFile(codeLocation) ? codeLocation.getParent() : codeLocation;
            if (dir != null && dir.getParent() != null) c.add(dir.getParent().resolve(DISTRIBUTION_DIR));
            for (Path p = dir; p != null; p = p.getParent()) c.add(p.resolve(BUILD_DIR));
        }
        c.add(workingDir.resolve(BUILD_DIR));
        return c.stream().map(Path::normalize).distinct().toList();
    }

    public static String describeCandidates() {
        return String.join(
                ", ",
                candidates(codeLocation(), Path.of("").toAbsolutePath()).stream()
                        .map(Path::toString)
                        .toList());
    }

    private static Path codeLocation() {
        try {
            return Path.of(PluginPaths.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            return null;
        }
    }

    /**
     * @throws IllegalArgumentException when {@code path} is not a dir, or is a plugin's own dir (jars at its top level
     *     next to no sub-dir)
     */
    public static void validate(Path path) {
        if (!Files.isDirectory(path)) throw new IllegalArgumentException("plugin path is not a directory: " + path);
        try (Stream<Path> entries = Files.list(path)) {
            List<Path> all = entries.toList();
            boolean subDirs = all.stream().anyMatch(Files::isDirectory);
            boolean tandemJar = all.stream()
                    .anyMatch(p -> p.getFileName().toString().startsWith("tandem-connectors-")
                            && p.getFileName().toString().endsWith(".jar"));
            if (tandemJar && !subDirs) {
                throw new IllegalArgumentException("plugin path " + path + " is the plugin's own dir; give the dir that"
                        + " holds it (" + path.toAbsolutePath().normalize().getParent() + ")");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot list plugin path " + path + ": " + e.getMessage(), e);
        }
    }
}
