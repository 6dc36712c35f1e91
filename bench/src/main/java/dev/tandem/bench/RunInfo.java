package dev.tandem.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a run was measured on and with, the {@code "run"} object of every {@link BenchReport}: the commit of the checkout
 * (and whether its tracked files had changes), when, the machine, and its load average at the start and the end (on a
 * shared machine, the first thing to read before comparing two runs).
 *
 * @param commit     {@code git rev-parse --short HEAD} in the working directory, or {@code "unknown"}
 * @param dirty      tracked files changed since that commit (untracked files do not count); null when unknown
 * @param checkout   the checkout's top directory (where {@code --keep} files go), null outside one; not reported
 * @param finished   null until {@link #end()}
 * @param loadEnd    null until {@link #end()}
 */
public record RunInfo(
        String commit,
        Boolean dirty,
        Path checkout,
        Instant started,
        Instant finished,
        Map<String, Object> machine,
        Map<String, Double> loadStart,
        Map<String, Double> loadEnd) {
    public static final String UNKNOWN = "unknown";

    /** Taken as a run starts, in the JVM's working directory. */
    public static RunInfo begin() {
        return begin(Path.of("").toAbsolutePath());
    }

    /** Taken as a run starts, for the checkout {@code dir} is in (if any). */
    static RunInfo begin(Path dir) {
        Git head = git(dir, "rev-parse", "--short", "HEAD");
        String commit = UNKNOWN;
        Boolean dirty = null;
        Path checkout = null;
        if (head != null && head.exit() == 0) {
            commit = head.out();
            // exit 0: no change to tracked files against HEAD, 1: changes (untracked files do not count)
            Git diff = git(dir, "diff", "--quiet", "HEAD", "--");
            dirty = diff == null || diff.exit() > 1 ? null : diff.exit() == 1;
            Git top = git(dir, "rev-parse", "--show-toplevel");
            checkout = top == null || top.exit() != 0 ? null : Path.of(top.out());
        }
        return new RunInfo(
                commit,
                dirty,
                checkout,
                Instant.now().truncatedTo(ChronoUnit.SECONDS),
                null,
                describeMachine(),
                loadAverage(),
                null);
    }

    /** This run, ended now. */
    public RunInfo end() {
        return new RunInfo(
                commit,
                dirty,
                checkout,
                started,
                Instant.now().truncatedTo(ChronoUnit.SECONDS),
                machine,
                loadStart,
                loadAverage());
    }

    /** The JSON form, in a stable order. */
    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("commit", commit);
        m.put("dirty", dirty);
        m.put("started_utc", started.toString());
        m.put("finished_utc", finished == null ? null : finished.toString());
        m.put("machine", machine);
        m.put("load_average_start", loadStart);
        m.put("load_average_end", loadEnd);
        return m;
    }

    static Map<String, Object> describeMachine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            m.put("memory_bytes", os.getTotalMemorySize());
        }
        m.put("jvm_max_heap_bytes", Runtime.getRuntime().maxMemory());
        m.put(
                "os",
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"));
        m.put(
                "java",
                System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ", "
                        + System.getProperty("java.vendor") + ")");
        m.put("cpu_model", cpuModel());
        return m;
    }

    /** The first {@code model name} of /proc/cpuinfo, or {@value #UNKNOWN}. */
    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    int colon = line.indexOf(':');
                    if (colon >= 0) return line.substring(colon + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or not readable
        }
        return UNKNOWN;
    }

    /** The 1, 5 and 15 minute load averages of /proc/loadavg; elsewhere the JVM's 1-minute figure, if it has one. */
    static Map<String, Double> loadAverage() {
        Map<String, Double> m = new LinkedHashMap<>();
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            m.put("1m", Double.parseDouble(f[0]));
            m.put("5m", Double.parseDouble(f[1]));
            m.put("15m", Double.parseDouble(f[2]));
            return m;
        } catch (IOException | RuntimeException e) {
            double one = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            if (one >= 0) m.put("1m", one);
            return m;
        }
    }

    private record Git(int exit, String out) {}

    /** {@code git args…} in {@code dir} (one-line answers only): exit code and trimmed output; null if git is missing or takes over 10 s. */
    private static Git git(Path dir, String... args) {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString()));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return new Git(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
