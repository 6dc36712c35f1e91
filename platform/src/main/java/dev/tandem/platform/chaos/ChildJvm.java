package dev.tandem.platform.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One of the pipeline's apps as a child JVM on this JVM's class path, its output in a log per run: started, killed
 * with SIGKILL (no shutdown hook, no flush, no commit) and started again with the same arguments and state.
 */
final class ChildJvm {
    private final String name;
    private final List<String> command;
    private final Path logDir;
    private Process process;
    private int runs;

    ChildJvm(String name, String heap, String mainClass, List<String> args, Path logDir) {
        this.name = name;
        this.logDir = logDir;
        List<String> c = new ArrayList<>();
        c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        c.add("-Xmx" + heap);
        c.add("-XX:+UseSerialGC");
        // C1 only: a restarted app spends its first seconds loading and compiling classes (the scoring app some
        // 9 s before its job graph exists on a busy 2-core machine), and these loads need no peak throughput
        c.add("-XX:TieredStopAtLevel=1");
        // TensorFlow's natives are unpacked once, where this JVM keeps them
        String cache = System.getProperty("org.bytedeco.javacpp.cachedir");
        if (cache != null) c.add("-Dorg.bytedeco.javacpp.cachedir=" + cache);
        c.add("-cp");
        c.add(System.getProperty("java.class.path"));
        c.add(mainClass);
        c.addAll(args);
        this.command = List.copyOf(c);
    }

    String name() {
        return name;
    }

    synchronized void start() throws IOException {
        runs++;
        Files.createDirectories(logDir);
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log(runs).toFile());
        // The properties files and arguments are the whole configuration, not the shell's TANDEM_* variables.
        pb.environment().keySet().removeIf(k -> k.startsWith("TANDEM_"));
        process = pb.start();
    }

    /** SIGKILL, and wait until the process is gone. */
    synchronized void kill() throws InterruptedException {
        if (process == null) return;
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM (the app's shutdown hook runs), then SIGKILL after 30 s. */
    synchronized void stop() throws InterruptedException {
        if (process == null || !process.isAlive()) return;
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) kill();
    }

    synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    synchronized int runs() {
        return runs;
    }

    /** Why the current run ended, with the end of its log; for failures. */
    synchronized String death() {
        String exit = process == null || process.isAlive() ? "running" : "exit code " + process.exitValue();
        return name + " (run " + runs + ", " + exit + "), log " + log(runs) + ":\n" + tail(log(runs), 30);
    }

    Path log(int run) {
        return logDir.resolve(name + "-run" + run + ".log");
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
