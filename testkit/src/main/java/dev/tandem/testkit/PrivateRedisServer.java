package dev.tandem.testkit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A redis-server of the test's own, on a free loopback port, that it may kill and restart at will without touching the
 * machine's shared Redis. It keeps its port and its directory across restarts, so clients (and a {@link FaultProxy} in
 * front of it) find it again and whatever it persisted is loaded again.
 *
 * <p>{@link Persistence#NONE} is Redis with {@code --save ""} and no AOF: a restart loses every key unless the test
 * asked for a snapshot ({@link #shutdownSaving()}). {@link Persistence#AOF_FSYNC_ALWAYS} writes and fsyncs every write
 * to the append-only file before answering it, so a write Redis acknowledged survives {@link #kill()} (and a machine
 * crash), which is what a serving store needs for a sink's committed offsets to stay true.
 */
public final class PrivateRedisServer implements AutoCloseable {
    private static final Path BINARY = findBinary();
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    /** What the server keeps across a restart. */
    public enum Persistence {
        /** Nothing, unless {@link #shutdownSaving()} writes a snapshot. */
        NONE,
        /** Every acknowledged write, from the append-only file ({@code appendfsync always}). */
        AOF_FSYNC_ALWAYS
    }

    private final int port = LoopbackPorts.freePort();
    private final Path dir;
    private final Persistence persistence;
    private Process process;

    private PrivateRedisServer(Path dir, Persistence persistence) {
        this.dir = dir;
        this.persistence = persistence;
    }

    /** Started without persistence, or the test skipped when no redis-server is installed. */
    public static PrivateRedisServer startOrSkip(Path dir) {
        return startOrSkip(dir, Persistence.NONE);
    }

    /** Started, keeping its data in {@code dir}; the test is skipped when no redis-server is installed. */
    public static PrivateRedisServer startOrSkip(Path dir, Persistence persistence) {
        assumeTrue(BINARY != null, "no redis-server binary on this machine: skipped");
        PrivateRedisServer server = new PrivateRedisServer(dir, persistence);
        server.start();
        return server;
    }

    private static Path findBinary() {
        Path usual = Path.of("/usr/bin/redis-server");
        if (Files.isExecutable(usual)) return usual;
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(d, "redis-server");
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:PORT/0}. */
    public String uri() {
        return "redis://127.0.0.1:" + port + "/0";
    }

    /** Starts the server (again), loading what it persisted, and returns once it answers {@code PING}. */
    public synchronized void start() {
        if (process != null && process.isAlive()) throw new IllegalStateException("redis-server already runs");
        List<String> command = new ArrayList<>(List.of(
                BINARY.toString(),
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--dir",
                dir.toString(),
                "--dbfilename",
                "dump.rdb"));
        if (persistence == Persistence.AOF_FSYNC_ALWAYS) {
            command.addAll(List.of("--appendonly", "yes", "--appendfsync", "always"));
        } else {
            command.addAll(List.of("--appendonly", "no"));
        }
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(
                            dir.resolve("redis.log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + BINARY, e);
        }
        Process started = process;
        await("private redis-server on port " + port)
                .atMost(START_TIMEOUT)
                .pollInterval(Duration.ofMillis(50))
                .ignoreExceptionsInstanceOf(IOException.class)
                .until(() -> {
                    if (!started.isAlive()) throw new IllegalStateException("redis-server exited; see " + log());
                    return "+PONG".equals(command("PING"));
                });
    }

    /** Stops the server after it saved a snapshot, which the next {@link #start()} loads. */
    public synchronized void shutdownSaving() {
        try {
            command("SHUTDOWN", "SAVE");
        } catch (IOException e) {
            // the server closes the connection as it goes down instead of answering
        }
        waitForExit(Duration.ofSeconds(30));
    }

    /** SIGKILL: the server dies at once, with no shutdown of its own; it keeps only what it had persisted. */
    public synchronized void kill() {
        if (process == null) return;
        process.destroyForcibly();
        waitForExit(Duration.ofSeconds(30));
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** The server's log file (every start appends to it). */
    public Path log() {
        return dir.resolve("redis.log");
    }

    /** One command in RESP, its reply's first line (e.g. {@code +PONG}); Redis needs no client library for that. */
    private String command(String... args) throws IOException {
        StringBuilder request = new StringBuilder("*").append(args.length).append("\r\n");
        for (String a : args) {
            request.append('$')
                    .append(a.getBytes(StandardCharsets.UTF_8).length)
                    .append("\r\n")
                    .append(a)
                    .append("\r\n");
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(LoopbackPorts.HOST, port), 2_000);
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && c != '\r') line.append((char) c);
            if (c < 0) throw new IOException("connection closed before a reply");
            return line.toString();
        }
    }

    private void waitForExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            waitForExit(Duration.ofSeconds(30));
        }
    }
}
