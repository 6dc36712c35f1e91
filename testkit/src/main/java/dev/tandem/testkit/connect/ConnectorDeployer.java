package dev.tandem.testkit.connect;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Creates or updates connectors through a worker's REST API ({@code PUT /connectors/NAME/config}) and waits until each
 * connector and all its tasks are RUNNING. Answers that mean "not now" (the worker still joining or rebalancing: 409,
 * 503, refused connections) are retried until the deadline; a refused config or a FAILED connector or task ends the
 * wait with Connect's own message.
 */
public final class ConnectorDeployer {
    private static final long POLL_MS = 250;

    private final ConnectRest rest;
    private final Supplier<String> workerFailure;
    private final BooleanSupplier cancelled;

    /**
     * @param workerFailure the in-process worker's failure, checked between polls (null: none to check)
     * @param cancelled whether to give up (Ctrl-C), checked between polls: {@link #deploy} then throws
     *     {@link InterruptedException}
     */
    public ConnectorDeployer(ConnectRest rest, Supplier<String> workerFailure, BooleanSupplier cancelled) {
        this.rest = rest;
        this.workerFailure = workerFailure == null ? () -> null : workerFailure;
        this.cancelled = cancelled == null ? () -> false : cancelled;
    }

    /** Why a connector could not be deployed; the message is one line. */
    public static final class DeployException extends Exception {
        DeployException(String message) {
            super(message);
        }
    }

    /**
     * Deploys each connector in turn and prints one status line for each once it runs.
     *
     * @param timeout for each connector: to be accepted and then to run
     */
    public void deploy(List<ConnectorFile> connectors, Duration timeout, Consumer<String> statusLine)
            throws DeployException, InterruptedException {
        for (ConnectorFile c : connectors) {
            long deadline = System.nanoTime() + timeout.toNanos();
            boolean created = put(c, deadline, timeout);
            statusLine.accept(awaitRunning(c.name(), deadline, timeout) + (created ? " (created)" : " (updated)"));
        }
    }

    private boolean put(ConnectorFile c, long deadline, Duration timeout) throws DeployException, InterruptedException {
        String last;
        while (true) {
            checkWorker();
            try {
                ConnectRest.Response r = rest.putConfig(c.name(), c.config());
                if (r.status() == 201 || r.status() == 200) return r.status() == 201;
                if (r.status() != 409 && r.status() != 503) {
                    throw new DeployException("connector " + c.name() + " (" + c.source() + ") was refused: HTTP "
                            + r.status() + ": " + r.errorMessage());
                }
                last = "HTTP " + r.status() + ": " + r.errorMessage();
            } catch (IOException e) {
                last = e.toString();
            }
            String why = lastOf(last);
            pause(
                    deadline,
                    () -> "connector " + c.name() + " was not accepted within " + timeout.toSeconds() + " s (" + why
                            + ")");
        }
    }

    private String awaitRunning(String name, long deadline, Duration timeout)
            throws DeployException, InterruptedException {
        String last = "no status yet";
        while (true) {
            checkWorker();
            try {
                ConnectRest.Response r = rest.status(name);
                if (r.status() == 200) {
                    Status s = Status.of(r.json());
                    if (s.failed() != null) throw new DeployException("connector " + name + " failed: " + s.failed());
                    if (s.running()) return s.line(name);
                    last = s.line(name);
                } else if (r.status() != 404 && r.status() != 409) {
                    last = "HTTP " + r.status() + ": " + r.errorMessage();
                }
            } catch (IOException e) {
                last = e.toString();
            }
            String state = last;
            pause(
                    deadline,
                    () -> "connector " + name + " did not run within " + timeout.toSeconds() + " s (" + state + ")");
        }
    }

    private void checkWorker() throws DeployException, InterruptedException {
        if (cancelled.getAsBoolean()) throw new InterruptedException("cancelled");
        String f = workerFailure.get();
        if (f != null) throw new DeployException(f);
    }

    private static void pause(long deadline, Supplier<String> timeoutMessage)
            throws DeployException, InterruptedException {
        if (System.nanoTime() - deadline >= 0) throw new DeployException(timeoutMessage.get());
        Thread.sleep(POLL_MS);
    }

    private static String lastOf(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }

    /** A connector's status as {@code GET /connectors/NAME/status} gives it. */
    record Status(String state, List<String> taskStates, String failed) {
        static Status of(JsonNode json) {
            JsonNode connector = json.path("connector");
            String state = connector.path("state").asText("UNKNOWN");
            String failed =
                    "FAILED".equals(state) ? firstLine(connector.path("trace").asText("no trace")) : null;
            List<String> tasks = new ArrayList<>();
            for (JsonNode t : json.path("tasks")) {
                String ts = t.path("state").asText("UNKNOWN");
                tasks.add(ts);
                if (failed == null && "FAILED".equals(ts)) {
                    failed = "task " + t.path("id").asInt() + ": "
                            + firstLine(t.path("trace").asText("no trace"));
                }
            }
            return new Status(state, tasks, failed);
        }

        boolean running() {
            return "RUNNING".equals(state)
                    && !taskStates.isEmpty()
                    && taskStates.stream().allMatch("RUNNING"::equals);
        }

        String line(String name) {
            long running = taskStates.stream().filter("RUNNING"::equals).count();
            return "connector " + name + ": " + state + ", " + running + "/" + taskStates.size() + " task"
                    + (taskStates.size() == 1 ? "" : "s") + " RUNNING";
        }

        private static String firstLine(String trace) {
            String first = trace.strip().lines().findFirst().orElse(trace);
            return first.length() > 300 ? first.substring(0, 300) + "…" : first;
        }
    }
}
