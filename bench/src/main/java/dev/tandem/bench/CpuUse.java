package dev.tandem.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Where a run's CPU went, between two snapshots: the machine (/proc/stat), this JVM, its threads grouped by name, the
 * broker child JVM and other local processes named by their command line (e.g. {@code redis-server}). On two cores a
 * latency tail is often just the run queue; this tells a saturated machine from a slow component. Outside Linux the
 * /proc figures stay 0.
 */
public record CpuUse(
        long nanos,
        long machineBusyTicks,
        long machineTotalTicks,
        long jvmNanos,
        Map<String, Long> threadNanos,
        Map<String, Long> processTicks) {
    /** A group of this JVM's threads: a name and the pattern (found anywhere in the thread's name) that selects it. */
    public record Threads(String name, Pattern pattern) {
        public static Threads of(String name, String regex) {
            return new Threads(name, Pattern.compile(regex));
        }
    }

    private static final double TICKS_PER_SECOND = 100.0; // USER_HZ on every Linux the bench runs on

    /**
     * @param threads    groups of this JVM's threads, first match wins
     * @param processes  name → a string the command line of a local process contains; the broker child JVM is
     *                   {@code "kafka.Kafka"}
     */
    public static CpuUse take(List<Threads> threads, Map<String, String> processes) {
        ThreadMXBean tm = ManagementFactory.getThreadMXBean();
        Map<String, Long> byGroup = new LinkedHashMap<>();
        for (Threads t : threads) byGroup.put(t.name(), 0L);
        for (ThreadInfo ti : tm.getThreadInfo(tm.getAllThreadIds())) {
            if (ti == null) continue;
            for (Threads t : threads) {
                if (!t.pattern().matcher(ti.getThreadName()).find()) continue;
                long cpu = tm.getThreadCpuTime(ti.getThreadId());
                if (cpu > 0) byGroup.merge(t.name(), cpu, Long::sum);
                break;
            }
        }
        long jvm = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
        long busy = 0;
        long all = 0;
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            for (int i = 1; i < Math.min(f.length, 9); i++) {
                long v = Long.parseLong(f[i]);
                all += v;
                if (i != 4 && i != 5) busy += v; // idle, iowait
            }
        } catch (Exception e) {
            // not Linux: machine figures stay 0
        }
        Map<String, Long> byProcess = new LinkedHashMap<>();
        for (String name : processes.keySet()) byProcess.put(name, 0L);
        if (!processes.isEmpty()) {
            ProcessHandle.allProcesses().forEach(ph -> {
                if (ph.pid() == ProcessHandle.current().pid()) return;
                String cmd;
                try {
                    cmd = new String(
                            Files.readAllBytes(Path.of("/proc/" + ph.pid() + "/cmdline")), StandardCharsets.ISO_8859_1);
                } catch (Exception e) {
                    return; // gone, not ours to read, or not Linux
                }
                for (var p : processes.entrySet()) {
                    if (!cmd.contains(p.getValue())) continue;
                    byProcess.merge(p.getKey(), processTicks(ph.pid()), Long::sum);
                    break;
                }
            });
        }
        return new CpuUse(System.nanoTime(), busy, all, jvm, byGroup, byProcess);
    }

    private static long processTicks(long pid) {
        try {
            String st = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = st.substring(st.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
        } catch (Exception e) {
            return 0;
        }
    }

    /** Busy share of the whole machine (all cores) since {@code a}, 0–1. */
    public double machineBusySince(CpuUse a) {
        long total = machineTotalTicks - a.machineTotalTicks;
        return total <= 0 ? 0 : (double) (machineBusyTicks - a.machineBusyTicks) / total;
    }

    /** CPU seconds of this JVM since {@code a}. */
    public double jvmSecondsSince(CpuUse a) {
        return (jvmNanos - a.jvmNanos) / 1e9;
    }

    /** CPU seconds of a thread group since {@code a}. */
    public double threadSecondsSince(CpuUse a, String group) {
        return (threadNanos.getOrDefault(group, 0L) - a.threadNanos.getOrDefault(group, 0L)) / 1e9;
    }

    /** CPU seconds of a process group since {@code a}. */
    public double processSecondsSince(CpuUse a, String name) {
        return (processTicks.getOrDefault(name, 0L) - a.processTicks.getOrDefault(name, 0L)) / TICKS_PER_SECOND;
    }

    /** Cores' worth of CPU per group since {@code a}: the machine, this JVM, each thread group and each process. */
    public Map<String, Double> coresSince(CpuUse a) {
        double wall = (nanos - a.nanos) / 1e9;
        Function<Double, Double> cores = s -> wall <= 0 ? 0 : Math.round(s / wall * 100) / 100.0;
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("machine", Math.round(machineBusySince(a) * Runtime.getRuntime().availableProcessors() * 100) / 100.0);
        m.put("jvm", cores.apply(jvmSecondsSince(a)));
        for (String g : threadNanos.keySet()) m.put(g, cores.apply(threadSecondsSince(a, g)));
        for (String p : processTicks.keySet()) m.put(p, cores.apply(processSecondsSince(a, p)));
        return m;
    }

    /** {@code "machine 1.97, jvm 1.41, flink tasks 0.80, …"} cores. */
    public String describeSince(CpuUse a) {
        StringBuilder b = new StringBuilder();
        coresSince(a)
                .forEach((k, v) -> b.append(b.isEmpty() ? "" : ", ")
                        .append(k)
                        .append(' ')
                        .append(String.format(Locale.ROOT, "%.2f", v)));
        return b.append(" cores of ")
                .append(Runtime.getRuntime().availableProcessors())
                .toString();
    }
}
