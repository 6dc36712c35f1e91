package dev.tandem.connect.redis;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tandem.testkit.LoopbackPorts;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A redis-server of the test's own, on a free loopback port, that it may stop and restart at will without touching
 * the machine's shared Redis. No persistence unless asked: {@link #shutdownSaving()} writes a snapshot to the
 * server's private directory, which {@link #start()} loads again, as a restarted production Redis would.
 */
final class PrivateRedisServer implements AutoCloseable {
    private static final Path BINARY = findBinary();

    final int port = LoopbackPorts.freePort();
    private final Path dir;
    private Process process;

    private PrivateRedisServer(Path dir) {
        this.dir = dir;
    }

    /** Started, or the test skipped when no redis-server is installed. */
    static PrivateRedisServer startOrSkip(Path dir) {
        assumeTrue(BINARY != null, "no redis-server binary on this machine: skipped");
        PrivateRedisServer server = new PrivateRedisServer(dir);
        server.start();
        return server;
    }

    private static Path findBinary() {
        Path usual = Path.of("/usr/bin/redis-server");
        if (Files.isExecutable(usual)) return usual;
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path p = Path.of(d, "redis-server");
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    RedisURI uri() {
        return RedisURI.create("redis://127.0.0.1:" + port + "/0");
    }

    void start() {
        try {
            process = new ProcessBuilder(List.of(
                            BINARY.toString(),
                            "--port",
                            Integer.toString(port),
                            "--bind",
                            "127.0.0.1",
                            "--save",
                            "",
                            "--appendonly",
                            "no",
                            "--dir",
                            dir.toString(),
                            "--dbfilename",
                            "dump.rdb"))
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("redis.log").toFile())
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + BINARY, e);
        }
        RedisClient client = RedisClient.create(uri());
        try {
            await("private redis-server on port " + port)
                    .atMost(Duration.ofSeconds(30))
                    .ignoreExceptions()
                    .until(() -> {
                        if (!process.isAlive()) throw new AssertionError("redis-server exited; see " + dir);
                        try (StatefulRedisConnection<String, String> c = client.connect()) {
                            return "PONG".equals(c.sync().ping());
                        }
                    });
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /** Stops the server after it saved a snapshot, which the next {@link #start()} loads. */
    void shutdownSaving() {
        RedisClient client = RedisClient.create(uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            c.sync().shutdown(true);
        } catch (io.lettuce.core.RedisException e) {
            // the server closes the connection as it goes: whether that reads as an error is Lettuce's business
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        waitForExit();
    }

    private void waitForExit() {
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS))
                process.destroyForcibly().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            waitForExit();
        }
    }
}
