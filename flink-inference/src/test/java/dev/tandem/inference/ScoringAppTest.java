package dev.tandem.inference;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ScoringApp}'s command line in a class loader that refuses every {@code org.apache.flink} class: help,
 * bad arguments and bad settings must be answered before anything of Flink is loaded (the job jar leaves Flink
 * to the cluster). {@code ScoringAppJarIT} runs the real job jar the same way.
 */
class ScoringAppTest {
    @TempDir
    Path dir;

    /** Loads the test class path itself (not through the parent), refusing Flink and remembering that it was asked. */
    static final class NoFlink extends URLClassLoader {
        final Set<String> refused = ConcurrentHashMap.newKeySet();

        NoFlink() throws Exception {
            super(classPath(), ClassLoader.getPlatformClassLoader());
        }

        private static URL[] classPath() throws Exception {
            List<URL> urls = new ArrayList<>();
            for (String e : System.getProperty("java.class.path").split(File.pathSeparator))
                urls.add(Path.of(e).toUri().toURL());
            return urls.toArray(URL[]::new);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.startsWith("org.apache.flink.")) {
                refused.add(name);
                throw new ClassNotFoundException(name + " (refused: no Flink here)");
            }
            return super.loadClass(name, resolve);
        }
    }

    record Run(String out, String failure, int code, Set<String> flinkClassesAsked) {}

    /** {@code ScoringApp.run(args, out)} in a {@link NoFlink} loader. */
    static Run run(String... args) throws Exception {
        try (NoFlink loader = new NoFlink()) {
            Class<?> app = loader.loadClass(ScoringApp.class.getName());
            assertThat(app.getClassLoader()).isSameAs(loader);
            Method run = app.getDeclaredMethod("run", String[].class, PrintStream.class);
            run.setAccessible(true);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            String failure = null;
            int code = 0;
            try {
                run.invoke(null, args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
            } catch (InvocationTargetException e) {
                Throwable f = e.getCause();
                assertThat(f.getClass().getName())
                        .as("what run() threw: %s", f)
                        .isEqualTo(ScoringApp.Failure.class.getName());
                failure = f.getMessage();
                var field = f.getClass().getDeclaredField("code");
                field.setAccessible(true);
                code = field.getInt(f);
            }
            return new Run(bytes.toString(StandardCharsets.UTF_8), failure, code, Set.copyOf(loader.refused));
        }
    }

    @Test
    void helpListsTheOptionsAndSettingsWithoutFlink() throws Exception {
        Run r = run("--help");
        assertThat(r.failure()).isNull();
        assertThat(r.out())
                .contains(
                        "--config",
                        "--set",
                        "--from-savepoint",
                        "--replay",
                        "--help",
                        "scoring.max.batch.rows",
                        "scoring.checkpoint.dir",
                        "scoring.requests.starting.offsets",
                        "scoring.delivery",
                        "exactly-once",
                        "at-least-once",
                        "scoring.request.deadline",
                        "topic.scoring.requests",
                        "kafka.*",
                        "flink.*");
        assertThat(r.flinkClassesAsked()).isEmpty();
    }

    @Test
    void badArgumentsAndSettingsAreOneLineUsageErrorsWithoutFlink() throws Exception {
        Path model = Files.createDirectories(dir.resolve("m/v1"));
        Path badFile = Files.writeString(dir.resolve("bad.properties"), "scoring.max.wait=soon\n");
        for (String[] args : new String[][] {
            {"--no-such-option"},
            {"--config"},
            {"--config", dir.resolve("missing.properties").toString()},
            {"--config", badFile.toString(), "--set", "scoring.model.dir=" + model},
            {"--set", "scoring.max.batch.rows=many", "--set", "scoring.model.dir=" + model},
            {"--set", "scoring.no.such.key=1"},
            {"--set", "scoring.delivery=maybe", "--set", "scoring.model.dir=" + model},
            {"--set", "scoring.request.deadline=-1s", "--set", "scoring.model.dir=" + model},
            {"--set", "novalue"},
            {}
        }) {
            Run r = run(args);
            assertThat(r.code()).as(String.join(" ", args)).isEqualTo(ScoringApp.USAGE);
            assertThat(r.failure())
                    .as(String.join(" ", args))
                    .isNotBlank()
                    .doesNotContain("\n")
                    .doesNotContain("Exception");
            assertThat(r.flinkClassesAsked()).as(String.join(" ", args)).isEmpty();
        }
        assertThat(run("--set", "scoring.max.batch.rows=many", "--set", "scoring.model.dir=" + model)
                        .failure())
                .isEqualTo("scoring.max.batch.rows = 'many': must be an integer");
        assertThat(run("--set", "scoring.delivery=maybe", "--set", "scoring.model.dir=" + model)
                        .failure())
                .isEqualTo("scoring.delivery = 'maybe': must be one of [exactly-once, at-least-once]");
        assertThat(run().failure()).startsWith("scoring.model.dir is not set");
        assertThat(run("--config", badFile.toString(), "--set", "scoring.model.dir=" + model)
                        .failure())
                .startsWith("scoring.max.wait = 'soon'");
    }

    @Test
    void goodSettingsArePrintedMaskedBeforeFlinkIsNeeded() throws Exception {
        Path model = Files.createDirectories(dir.resolve("m/v1"));
        Path file = Files.writeString(
                dir.resolve("s.properties"),
                "kafka.sasl.jaas.config=x password=\"s3cret\";\nscoring.max.batch.rows=64\n");
        // with Flink refused, the run fails exactly where the job starts: after the configuration was printed
        Run r = run("--config", file.toString(), "--set", "scoring.model.dir=" + model, "--replay");
        assertThat(r.out())
                .startsWith("tandem scoring configuration:")
                .contains(
                        "  scoring.max.batch.rows = 64",
                        "  kafka.sasl.jaas.config = ****",
                        "  scoring.requests.starting.offsets = earliest")
                .doesNotContain("s3cret");
        assertThat(r.code()).isEqualTo(ScoringApp.FAILURE);
        assertThat(r.failure())
                .startsWith("Flink is not on the class path (org.apache.flink.")
                .contains("flink run");
        assertThat(r.flinkClassesAsked()).isNotEmpty();
    }

    @Test
    void aFlinkClientsUserCodeClassLoaderIsRecognised() throws Exception {
        assertThat(ScoringApp.insideFlinkClient()).isFalse();
        ClassLoader before = Thread.currentThread().getContextClassLoader();
        try (var userCode = new org.apache.flink.util.ChildFirstClassLoader(
                new URL[0],
                before,
                new String[0],
                org.apache.flink.util.FlinkUserCodeClassLoader.NOOP_EXCEPTION_HANDLER)) {
            Thread.currentThread().setContextClassLoader(userCode);
            assertThat(ScoringApp.insideFlinkClient()).isTrue();
        } finally {
            Thread.currentThread().setContextClassLoader(before);
        }
    }
}
