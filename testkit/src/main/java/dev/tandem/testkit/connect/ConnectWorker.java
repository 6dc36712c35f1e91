package dev.tandem.testkit.connect;

import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.connect.cli.ConnectDistributed;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.distributed.DistributedHerder;

/**
 * A distributed-mode Kafka Connect worker in this JVM, started the way Kafka's own {@code connect-distributed} starts
 * one ({@link ConnectDistributed#startConnect}: plugins, config, REST server, herder), so it behaves like a stock
 * worker: its plugins come from {@code plugin.path}, its state from the internal topics.
 *
 * <p>Connect ends its process on a fatal error ({@code Exit.exit} when the herder thread dies or start-up fails) and
 * registers its own shutdown hook. In a CLI that runs other things, and in tests, neither may happen: while a worker
 * runs, Kafka's {@link Exit} procedures record the failure here instead (see {@link #failure()}), and stopping is
 * {@link #close()}'s job. One worker per JVM at a time, since those procedures are global.
 */
public final class ConnectWorker implements AutoCloseable {
    private static final AtomicBoolean RUNNING = new AtomicBoolean();

    private final Connect<DistributedHerder> connect;
    private final URI restUrl;
    private final AtomicReference<String> fatal;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ConnectWorker(Connect<DistributedHerder> connect, AtomicReference<String> fatal) {
        this.connect = connect;
        this.restUrl = connect.rest().serverUrl();
        this.fatal = fatal;
    }

    /**
     * Starts a worker with these properties and returns once its REST server listens; it joins its group in the
     * background (see {@link ConnectRest#awaitHealthy}).
     *
     * @throws WorkerStartException when the configuration is refused or the worker fails while starting
     */
    public static ConnectWorker start(Map<String, String> workerProperties) {
        if (!RUNNING.compareAndSet(false, true)) {
            throw new IllegalStateException("a Connect worker already runs in this JVM");
        }
        AtomicReference<String> fatal = new AtomicReference<>();
        Exit.setExitProcedure((code, message) -> record(fatal, "exit", code, message));
        Exit.setHaltProcedure((code, message) -> record(fatal, "halt", code, message));
        Exit.setShutdownHookAdder((name, hook) -> {});
        // startConnect leaves Connect's plugin class loader as the calling thread's context loader
        ClassLoader contextLoader = Thread.currentThread().getContextClassLoader();
        Connect<DistributedHerder> connect;
        try {
            connect = new ConnectDistributed().startConnect(workerProperties);
        } catch (RuntimeException | LinkageError e) {
            release();
            throw new WorkerStartException(rootMessage(e), e);
        } finally {
            Thread.currentThread().setContextClassLoader(contextLoader);
            Exit.resetShutdownHookAdder();
        }
        ConnectWorker worker = new ConnectWorker(connect, fatal);
        if (fatal.get() != null) {
            worker.close();
            throw new WorkerStartException("the worker did not start (" + fatal.get() + ")", null);
        }
        return worker;
    }

    private static void record(AtomicReference<String> fatal, String kind, int code, String message) {
        fatal.compareAndSet(
                null, "Connect called " + kind + "(" + code + ")" + (message == null ? "" : ": " + message));
    }

    /** {@code http://127.0.0.1:PORT/}, the port it actually listens on. */
    public URI restUrl() {
        return restUrl;
    }

    /** Why the worker is dead, if it is: a fatal error of Connect's, or its herder thread ended before close. */
    public Optional<String> failure() {
        String f = fatal.get();
        if (f != null) return Optional.of(f);
        Future<?> herder = connect.herderTask();
        if (!closed.get() && herder != null && herder.isDone()) {
            return Optional.of("the Connect herder thread ended (run with --verbose for its logs)");
        }
        return Optional.empty();
    }

    /** Stops the REST server and the herder (its connectors and tasks, leaving the group); idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        try {
            connect.stop();
        } finally {
            release();
        }
    }

    private static void release() {
        Exit.resetExitProcedure();
        Exit.resetHaltProcedure();
        RUNNING.set(false);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        String top = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return t == e || top.contains(m) ? top : top + " (" + m + ")";
    }

    /** The worker refused its configuration or failed while starting; the message is one line for the user. */
    public static final class WorkerStartException extends RuntimeException {
        WorkerStartException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
