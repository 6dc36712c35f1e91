package dev.tandem.testkit;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The KRaft broker as a child JVM ({@code java -cp <our classpath> kafka.Kafka server.properties}),
 * for the demo and {@code tandem dev-cluster}: its own heap, GC and logs, and {@code kafka.Kafka}'s
 * exit calls cannot take the parent down.
 *
 * <p>Everything lives in one data dir, kept across restarts:
 * <pre>
 *   kafka-logs/         the log dir (formatted on the first start only)
 *   server.properties   rewritten on every start (ports may change)
 *   log4j2.xml          the broker's logging config
 *   broker.log          the broker's log, appended to
 *   broker.pid          present while a broker runs from this dir
 * </pre>
 *
 * <p>{@link #close()} sends SIGTERM, which makes {@code kafka.Kafka} shut down cleanly; a JVM
 * shutdown hook does the same if the parent is stopped with Ctrl-C, so no broker is left behind.
 */
public final class KafkaBrokerProcess implements KafkaBroker {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaBrokerProcess.class);

    public static final String LOG_DIR = "kafka-logs";
    public static final String SERVER_PROPERTIES = "server.properties";
    public static final String PID_FILE = "broker.pid";
    public static final String LOG_FILE = "broker.log";
    public static final String LOG4J_CONFIG = "log4j2.xml";
    private static final String MAIN_CLASS = "kafka.Kafka";
    private static final int LOG_TAIL_LINES = 40;

    private final Path dataDir;
    private final KraftBrokerConfig config;
    private final Process process;
    private final Duration stopTimeout;
    private final Thread shutdownHook;
    private boolean closed;

    private KafkaBrokerProcess(Path dataDir, KraftBrokerConfig config, Process process, Duration stopTimeout) {
        this.dataDir = dataDir;
        this.config = config;
        this.process = process;
        this.stopTimeout = stopTimeout;
        this.shutdownHook = new Thread(this::stopProcess, "tandem-kafka-broker-shutdown");
    }

    /** Starts a broker keeping its data in {@code dataDir} on {@code port} (0 = free port). */
    public static KafkaBrokerProcess start(Path dataDir, int port) {
        return builder(dataDir).port(port).start();
    }

    public static Builder builder(Path dataDir) {
        return new Builder(dataDir);
    }

    @Override
    public KraftBrokerConfig config() {
        return config;
    }

    public long pid() {
        return process.pid();
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path logFile() {
        return dataDir.resolve(LOG_FILE);
    }

    public Path pidFile() {
        return dataDir.resolve(PID_FILE);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * SIGTERM, wait for the broker's controlled shutdown, kill it if it does not finish in time,
     * remove the pid file and wait until the port can be bound again (so an immediate restart on
     * the same port works). Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException jvmAlreadyShuttingDown) {
            // the hook is running or about to run; stopping twice is harmless
        }
        stopProcess();
        if (!LoopbackPorts.awaitFree(port(), Duration.ofSeconds(10))) {
            LOG.warn("port {} still in use after the broker (pid {}) exited", port(), pid());
        }
    }

    private void stopProcess() {
        try {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(stopTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warn(
                            "Kafka broker pid {} did not stop within {} s; killing it", pid(), stopTimeout.toSeconds());
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            deletePidFileIfOurs();
        }
    }

    private void deletePidFileIfOurs() {
        try {
            Optional<Long> recorded = readPid(pidFile());
            if (recorded.isPresent() && recorded.get() == pid()) Files.deleteIfExists(pidFile());
        } catch (IOException e) {
            LOG.warn("could not remove {}: {}", pidFile(), e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "KafkaBrokerProcess[" + bootstrapServers() + ", pid " + pid() + ", " + dataDir + "]";
    }

    // ---- start-up -------------------------------------------------------------------------------

    /** Settings of a child-JVM broker; the shared ones (ports, broker properties, start timeout) are in {@link KafkaBrokerBuilder}. */
    public static final class Builder extends KafkaBrokerBuilder<Builder> {
        private final Path dataDir;
        private String maxHeap = "1g";
        private String classpath = System.getProperty("java.class.path");
        private Duration stopTimeout = Duration.ofSeconds(30);
        private final List<String> extraJvmArgs = new ArrayList<>();

        private Builder(Path dataDir) {
            this.dataDir = dataDir.toAbsolutePath().normalize();
        }

        /** {@code -Xmx} of the broker JVM, e.g. "1g" (default). */
        public Builder maxHeap(String maxHeap) {
            this.maxHeap = maxHeap;
            return this;
        }

        /** The broker's classpath; default: this JVM's, which must hold kafka_2.13 and its runtime. */
        public Builder classpath(String classpath) {
            this.classpath = classpath;
            return this;
        }

        public Builder jvmArg(String arg) {
            extraJvmArgs.add(arg);
            return this;
        }

        /** How long {@link KafkaBrokerProcess#close()} waits for a clean shutdown before killing the broker. */
        public Builder stopTimeout(Duration timeout) {
            this.stopTimeout = timeout;
            return this;
        }

        /**
         * Starts the broker and returns once it answers {@code describeCluster}.
         *
         * @throws IllegalStateException if a broker already runs from this data dir, a port is
         *     taken ({@link PortInUseException}), or the broker dies or hangs while starting (the
         *     message then ends with the tail of broker.log)
         */
        @Override
        public KafkaBrokerProcess start() {
            try {
                Files.createDirectories(dataDir);
            } catch (IOException e) {
                throw new IllegalStateException("cannot create " + dataDir + ": " + e.getMessage(), e);
            }
            refuseIfRunning(dataDir);
            requirePortsFree();

            KraftBrokerConfig config;
            Path serverProperties = dataDir.resolve(SERVER_PROPERTIES);
            Path log4j = dataDir.resolve(LOG4J_CONFIG);
            Path logFile = dataDir.resolve(LOG_FILE);
            try {
                config = formattedConfig(dataDir.resolve(LOG_DIR));
                config.writeTo(serverProperties);
                Files.writeString(log4j, log4jConfig(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException("cannot prepare Kafka data dir " + dataDir + ": " + e.getMessage(), e);
            }

            List<String> command = new ArrayList<>();
            command.add(javaBinary());
            command.add("-Xmx" + maxHeap);
            command.add("-XX:+UseG1GC");
            command.add("-Djava.awt.headless=true");
            command.add("-Dlog4j2.configurationFile=" + log4j.toUri());
            command.addAll(extraJvmArgs);
            command.add("-cp");
            command.add(classpath);
            command.add(MAIN_CLASS);
            command.add(serverProperties.toString());

            long t0 = System.nanoTime();
            Process process;
            try {
                Files.writeString(
                        logFile,
                        "---- starting Kafka broker on " + config.bootstrapServers() + " ----\n",
                        StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
                // Whatever the JVM prints before log4j is up (bad classpath, OOM) ends up in the
                // same file as the broker's own log, so broker.log explains every failed start.
                process = new ProcessBuilder(command)
                        .directory(dataDir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                        .start();
            } catch (IOException e) {
                throw new IllegalStateException("cannot launch the Kafka broker JVM: " + e.getMessage(), e);
            }
            KafkaBrokerProcess broker = new KafkaBrokerProcess(dataDir, config, process, stopTimeout);
            try {
                Runtime.getRuntime().addShutdownHook(broker.shutdownHook);
                Files.writeString(broker.pidFile(), process.pid() + "\n", StandardCharsets.UTF_8);
                awaitReady(
                        config,
                        process::isAlive,
                        () -> describeDeath(process) + "; last lines of " + logFile + ":\n"
                                + tail(logFile, LOG_TAIL_LINES));
            } catch (IOException | RuntimeException e) {
                broker.close();
                if (e instanceof RuntimeException re) throw re;
                throw new IllegalStateException("cannot write " + broker.pidFile() + ": " + e.getMessage(), e);
            }
            LOG.info(
                    "Kafka broker pid {} ready at {} in {} ms (data {})",
                    process.pid(),
                    config.bootstrapServers(),
                    (System.nanoTime() - t0) / 1_000_000,
                    dataDir);
            return broker;
        }
    }

    /** Refuses a second broker on a live data dir; removes the pid file of one that died. */
    static void refuseIfRunning(Path dataDir) {
        Path pidFile = dataDir.resolve(PID_FILE);
        Optional<Long> pid;
        try {
            pid = readPid(pidFile);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + pidFile + ": " + e.getMessage(), e);
        }
        if (pid.isEmpty()) return;
        Optional<ProcessHandle> handle = ProcessHandle.of(pid.get()).filter(ProcessHandle::isAlive);
        if (handle.isPresent() && couldBeOurBroker(handle.get(), pidFile)) {
            throw new IllegalStateException("dev cluster already running (pid " + pid.get() + ") in " + dataDir);
        }
        LOG.warn("removing stale {} (pid {} is no longer our broker)", pidFile, pid.get());
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException e) {
            throw new IllegalStateException("cannot remove stale " + pidFile + ": " + e.getMessage(), e);
        }
    }

    /**
     * Pids are reused, so a live pid alone does not mean our broker still runs. The pid file is
     * written right after the broker is launched: a process that started clearly later only
     * inherited the number. (Command lines are no help: the JDK does not report the arguments of
     * a process whose command line, with its long classpath, is this big.)
     */
    private static boolean couldBeOurBroker(ProcessHandle handle, Path pidFile) {
        Optional<Instant> started = handle.info().startInstant();
        if (started.isEmpty()) return true;
        try {
            Instant written = Files.getLastModifiedTime(pidFile).toInstant();
            return !started.get().isAfter(written.plusSeconds(2));
        } catch (IOException e) {
            return true;
        }
    }

    static Optional<Long> readPid(Path pidFile) throws IOException {
        String text;
        try {
            text = Files.readString(pidFile, StandardCharsets.UTF_8).trim();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        try {
            return text.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(text));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static String describeDeath(Process process) {
        if (process.isAlive()) return "";
        return " (the broker JVM exited with code " + process.exitValue() + ")";
    }

    /** The java binary running this JVM, so the child gets the same version and vendor. */
    static String javaBinary() {
        Path fromHome = Path.of(
                System.getProperty("java.home"),
                "bin",
                System.getProperty("os.name").toLowerCase().startsWith("windows") ? "java.exe" : "java");
        if (Files.isExecutable(fromHome)) return fromHome.toString();
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** The last {@code lines} lines of a possibly large log, reading only its end. */
    static String tail(Path file, int lines) {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long length = raf.length();
            int window = (int) Math.min(length, 64 * 1024);
            byte[] buf = new byte[window];
            raf.seek(length - window);
            raf.readFully(buf);
            String[] all = new String(buf, StandardCharsets.UTF_8).split("\n");
            int from = Math.max(0, all.length - lines);
            return String.join("\n", List.of(all).subList(from, all.length));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }

    /**
     * Broker logging: INFO for Kafka's own lifecycle, WARN for the chatty request/log internals.
     * Written to stdout, which the parent appends to broker.log together with anything the JVM
     * itself prints.
     */
    static String log4jConfig() {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <!-- Generated by tandem-testkit on every start; edits are overwritten. -->
                <Configuration status="WARN">
                  <Appenders>
                    <Console name="stdout" target="SYSTEM_OUT">
                      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
                    </Console>
                  </Appenders>
                  <Loggers>
                    <Logger name="kafka" level="INFO"/>
                    <Logger name="org.apache.kafka" level="INFO"/>
                    <Logger name="kafka.request.logger" level="WARN"/>
                    <Logger name="kafka.log.LogCleaner" level="WARN"/>
                    <Logger name="state.change.logger" level="WARN"/>
                    <Logger name="org.apache.kafka.storage.internals.log" level="WARN"/>
                    <Root level="WARN">
                      <AppenderRef ref="stdout"/>
                    </Root>
                  </Loggers>
                </Configuration>
                """;
    }
}
