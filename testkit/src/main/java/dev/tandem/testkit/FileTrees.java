package dev.tandem.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Removing the data dirs that brokers, demos, benchmarks and tests leave behind. */
public final class FileTrees {
    private static final Logger LOG = LoggerFactory.getLogger(FileTrees.class);

    private FileTrees() {}

    /** Deletes a directory tree (or a file); nothing if it does not exist. */
    public static void delete(Path root) throws IOException {
        if (root == null || !Files.exists(root)) return;
        List<Path> deepestFirst;
        try (Stream<Path> paths = Files.walk(root)) {
            deepestFirst = paths.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path p : deepestFirst) Files.deleteIfExists(p);
    }

    /** {@link #delete}, with failures logged instead of thrown, since they happen during cleanup. */
    public static void deleteQuietly(Path root) {
        try {
            delete(root);
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("could not delete {}: {}", root, e.getMessage());
        }
    }
}
