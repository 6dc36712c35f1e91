package dev.tandem.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * The team's public data samples, kept beside the repository in {@code ../shared/data} and never
 * copied into it. Tests that read them skip cleanly where they are absent (a user's fresh clone).
 */
public final class SharedData {
    /** A real Taobao UserBehavior sample: 114 users, 10,000 rows, no header. */
    public static final String TAOBAO_SAMPLE = "taobao-userbehavior-114users.csv";

    private SharedData() {}

    /** The top-most directory holding a pom.xml above the working directory (tests run in a module dir). */
    public static Path repositoryRoot() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        Path root = null;
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("pom.xml"))) root = p;
        }
        return root == null ? dir : root;
    }

    /** {@code ../shared/data/<name>} next to the repository root, whether or not it exists. */
    public static Path file(String name) {
        return repositoryRoot()
                .resolveSibling("shared")
                .resolve("data")
                .resolve(name)
                .normalize();
    }

    /** The Taobao sample; the calling test is skipped (a JUnit assumption) where it is absent. */
    public static Path taobaoSample() {
        Path p = file(TAOBAO_SAMPLE);
        Assumptions.assumeTrue(
                Files.isRegularFile(p), "no " + p + " here (../shared is not beside this clone): skipped");
        return p;
    }
}
