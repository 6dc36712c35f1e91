package dev.tandem.testkit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL cluster of the test's own ({@code initdb} into a temp dir, trust auth, user {@code postgres}), on a free
 * loopback port, that it may crash and restart without touching the machine's shared server. It keeps its port and its
 * data across restarts, as a production database does.
 *
 * <p>{@code initdb} and {@code postgres} refuse to run as root: when the test JVM is root, every PostgreSQL command runs
 * as the {@code postgres} OS user through {@code runuser}, and the temp dir is handed to that user. The binaries are
 * those of the newest {@code /usr/lib/postgresql/N/bin}; without them (or without a {@code postgres} user when root)
 * the test is skipped.
 */
public final class PrivatePostgres implements AutoCloseable {
    private static final Path BIN = findBin();
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));
    private static final long COMMAND_TIMEOUT_S = 120;

    private final int port = LoopbackPorts.freePort();
    private final Path dir;
    private final Path data;
    private boolean running;

    private PrivatePostgres(Path dir) {
        this.dir = dir;
        this.data = dir.resolve("data");
    }

    /** A new cluster, initialised and started; the test is skipped where PostgreSQL's server binaries are missing. */
    public static PrivatePostgres startOrSkip() {
        assumeTrue(BIN != null, "no PostgreSQL server binaries (/usr/lib/postgresql/N/bin) on this machine: skipped");
        UserPrincipal postgres = null;
        if (ROOT) {
            assumeTrue(Files.isExecutable(runuser()), "running as root without runuser: initdb would refuse; skipped");
            try {
                postgres = Path.of("/")
                        .getFileSystem()
                        .getUserPrincipalLookupService()
                        .lookupPrincipalByName("postgres");
            } catch (IOException e) {
                assumeTrue(false, "running as root and there is no 'postgres' user for initdb: skipped");
            }
        }
        Path dir;
        try {
            dir = Files.createTempDirectory("tandem-pg-");
            if (postgres != null) Files.setOwner(dir, postgres);
        } catch (IOException e) {
            throw new IllegalStateException("cannot make a dir for a private PostgreSQL", e);
        }
        PrivatePostgres pg = new PrivatePostgres(dir);
        try {
            pg.run(
                    "initdb",
                    List.of(
                            "-D",
                            pg.data.toString(),
                            "--username=postgres",
                            "--auth=trust",
                            "--encoding=UTF8",
                            "--locale=C",
                            "--no-sync",
                            "--no-instructions"));
            pg.start();
        } catch (RuntimeException e) {
            pg.close();
            throw e;
        }
        return pg;
    }

    private static Path findBin() {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) return null;
        List<Path> versions = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
            for (Path d : dirs) {
                if (Files.isExecutable(d.resolve("bin/initdb")) && Files.isExecutable(d.resolve("bin/pg_ctl"))) {
                    versions.add(d.resolve("bin"));
                }
            }
        } catch (IOException e) {
            return null;
        }
        return versions.stream()
                .max(Comparator.comparingInt(PrivatePostgres::majorVersion))
                .orElse(null);
    }

    private static int majorVersion(Path bin) {
        try {
            return Integer.parseInt(bin.getParent().getFileName().toString());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static Path runuser() {
        for (String p : List.of("/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser")) {
            if (Files.isExecutable(Path.of(p))) return Path.of(p);
        }
        return Path.of("/usr/sbin/runuser");
    }

    public int port() {
        return port;
    }

    /** {@code jdbc:postgresql://127.0.0.1:PORT/postgres}, user {@code postgres}, no password. */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    /** Starts the server (again: after a crash it replays its WAL first) and returns once it accepts connections. */
    public synchronized void start() {
        run(
                "pg_ctl",
                List.of(
                        "-D",
                        data.toString(),
                        "-l",
                        log().toString(),
                        "-w",
                        "-t",
                        Long.toString(COMMAND_TIMEOUT_S),
                        "-o",
                        "-p " + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" + dir
                                + " -c max_connections=30 -c shared_buffers=16MB",
                        "start"));
        running = true;
    }

    /**
     * A crash: {@code pg_ctl stop -m immediate} ends every server process at once, with no shutdown checkpoint, as a
     * power cut would leave it; the next {@link #start()} recovers from the WAL, so every committed transaction is kept
     * and every open one is gone.
     */
    public synchronized void crash() {
        stop("immediate");
    }

    /** A clean shutdown ({@code -m fast}: open sessions are rolled back, then a checkpoint). */
    public synchronized void stopFast() {
        stop("fast");
    }

    private void stop(String mode) {
        run("pg_ctl", List.of("-D", data.toString(), "-m", mode, "-w", "-t", Long.toString(COMMAND_TIMEOUT_S), "stop"));
        running = false;
    }

    public synchronized boolean isRunning() {
        return running;
    }

    /** The server's log (pg_ctl appends every start's output to it). */
    public Path log() {
        return dir.resolve("postgres.log");
    }

    private void run(String program, List<String> args) {
        List<String> command = new ArrayList<>();
        if (ROOT) command.addAll(List.of(runuser().toString(), "-u", "postgres", "--"));
        command.add(BIN.resolve(program).toString());
        command.addAll(args);
        Path out = dir.resolve(program + ".out");
        try {
            Process p = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
                    .start();
            if (!p.waitFor(COMMAND_TIMEOUT_S + 30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(program + " did not end; see " + out);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(
                        program + " failed (exit " + p.exitValue() + "): " + tail(out) + tail(log()));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + program, e);
        }
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            return "\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

    /** Stops the server (fast) if it runs and deletes its data. */
    @Override
    public synchronized void close() {
        try {
            if (running) stopFast();
        } catch (RuntimeException e) {
            killPostmaster(); // pg_ctl could not stop it: a server must not outlive its test
        } finally {
            FileTrees.deleteQuietly(dir);
        }
    }

    /** SIGKILL to the postmaster this cluster's {@code postmaster.pid} names (our own child, no other). */
    private void killPostmaster() {
        try {
            List<String> pidFile = Files.readAllLines(data.resolve("postmaster.pid"));
            if (pidFile.isEmpty()) return;
            ProcessHandle.of(Long.parseLong(pidFile.get(0).trim())).ifPresent(ProcessHandle::destroyForcibly);
        } catch (IOException | NumberFormatException e) {
            // no pid file: no server left to stop
        }
    }
}
