package dev.tandem.platform.scoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The few calls of a Flink JobManager's REST API that launching the scoring app takes: the version probe
 * ({@code GET /config}), a jar upload and run ({@code POST /jars/upload}, {@code POST /jars/:id/run} with an entry
 * class and program arguments, as {@code flink run} does), a job's state and root failure, and its cancellation.
 * Every failure is an {@link IllegalStateException} with one line.
 */
final class FlinkRest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern FLINK_VERSION = Pattern.compile("\"flink-version\"\\s*:\\s*\"([^\"]+)\"");
    /** The app's main runs in the JobManager during the run call: it reads the model's feature spec and builds the graph. */
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(3);

    private final LocalScoring.JobManager jm;
    private final HttpClient http;
    private final Duration timeout;

    FlinkRest(LocalScoring.JobManager jm, Duration timeout) {
        this.jm = jm;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** The Flink version the JobManager reports; fails at once when nothing, or not Flink, answers there. */
    String version() {
        HttpResponse<String> res = send(
                HttpRequest.newBuilder(uri("/config")).timeout(timeout).GET().build(), timeout);
        Matcher m = FLINK_VERSION.matcher(res.body());
        if (res.statusCode() != 200 || !m.find()) {
            throw new IllegalStateException(
                    jm + " answers, but not as a Flink JobManager's REST API (GET /config: HTTP " + res.statusCode()
                            + ")");
        }
        return m.group(1);
    }

    /** Uploads {@code jar} ({@code POST /jars/upload}, multipart, streamed from the file); returns the cluster's id for it. */
    String upload(Path jar) throws IOException {
        String boundary = "tandem-" + UUID.randomUUID();
        String head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                + jar.getFileName() + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n";
        String tail = "\r\n--" + boundary + "--\r\n";
        HttpRequest req = HttpRequest.newBuilder(uri("/jars/upload"))
                .timeout(RUN_TIMEOUT)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.concat(
                        HttpRequest.BodyPublishers.ofString(head),
                        HttpRequest.BodyPublishers.ofFile(jar),
                        HttpRequest.BodyPublishers.ofString(tail)))
                .build();
        JsonNode body = json(send(req, RUN_TIMEOUT), "uploading " + jar.getFileName());
        String file = body.path("filename").asText("");
        if (!"success".equals(body.path("status").asText()) || file.isEmpty()) {
            throw new IllegalStateException(
                    "the Flink JobManager at " + jm + " did not accept " + jar.getFileName() + ": " + body);
        }
        return Path.of(file).getFileName().toString();
    }

    /** Runs the uploaded jar's {@code entryClass} with {@code args} ({@code POST /jars/:id/run}); returns the job id. */
    String run(String jarId, String entryClass, List<String> args) {
        ObjectNode body = JSON.createObjectNode().put("entryClass", entryClass);
        args.forEach(body.putArray("programArgsList")::add);
        HttpRequest req = HttpRequest.newBuilder(uri("/jars/" + enc(jarId) + "/run"))
                .timeout(RUN_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
        JsonNode res = json(send(req, RUN_TIMEOUT), "running " + entryClass);
        String job = res.path("jobid").asText("");
        if (job.isEmpty())
            throw new IllegalStateException(
                    "the Flink JobManager at " + jm + " ran " + entryClass + " but named no job: " + res);
        return job;
    }

    /** Removes an uploaded jar: the job has its own copy in the cluster's blob store once it was submitted. */
    void delete(String jarId) {
        send(
                HttpRequest.newBuilder(uri("/jars/" + enc(jarId)))
                        .timeout(timeout)
                        .DELETE()
                        .build(),
                timeout);
    }

    /** The job's state ({@code RUNNING}, {@code FAILED}, …). */
    String state(String jobId) {
        return json(
                        send(
                                HttpRequest.newBuilder(uri("/jobs/" + enc(jobId)))
                                        .timeout(timeout)
                                        .GET()
                                        .build(),
                                timeout),
                        "asking for job " + jobId)
                .path("state")
                .asText();
    }

    /** The job's newest exception, in one line (its class and message), or null when it has none. */
    String rootException(String jobId) {
        JsonNode res = json(
                send(
                        HttpRequest.newBuilder(uri("/jobs/" + enc(jobId) + "/exceptions"))
                                .timeout(timeout)
                                .GET()
                                .build(),
                        timeout),
                "asking for the exceptions of job " + jobId);
        JsonNode entries = res.path("exceptionHistory").path("entries");
        String trace = entries.size() > 0
                ? entries.get(0).path("stacktrace").asText("")
                : res.path("root-exception").asText("");
        return trace.isBlank() ? null : rootCause(trace);
    }

    /** Cancels the job ({@code PATCH /jobs/:id?mode=cancel}); it ends shortly after. */
    void cancel(String jobId) {
        HttpResponse<String> res = send(
                HttpRequest.newBuilder(uri("/jobs/" + enc(jobId) + "?mode=cancel"))
                        .timeout(timeout)
                        .method("PATCH", HttpRequest.BodyPublishers.noBody())
                        .build(),
                timeout);
        if (res.statusCode() / 100 != 2)
            throw new IllegalStateException("cancelling job " + jobId + " on " + jm + ": HTTP " + res.statusCode());
    }

    private URI uri(String path) {
        return URI.create("http://" + jm + path);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private HttpResponse<String> send(HttpRequest req, Duration wait) {
        try {
            return http.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (java.net.ConnectException e) {
            throw new IllegalStateException(
                    "cannot reach the Flink JobManager at " + jm + " (connection refused): is the cluster up, and is "
                            + jm.port() + " its REST port (rest.port, default 8081)?");
        } catch (java.net.http.HttpTimeoutException e) {
            throw new IllegalStateException(
                    "cannot reach the Flink JobManager at " + jm + " (no answer within " + wait.toMillis() + " ms)");
        } catch (IOException e) {
            throw new IllegalStateException("cannot reach the Flink JobManager at " + jm + " ("
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while talking to the Flink JobManager at " + jm);
        }
    }

    /** The body as JSON; an error answer ({@code {"errors": [...]}}) as one line naming what failed deepest. */
    private JsonNode json(HttpResponse<String> res, String what) {
        JsonNode body;
        try {
            body = JSON.readTree(res.body());
        } catch (IOException e) {
            throw new IllegalStateException(what + " on " + jm + ": HTTP " + res.statusCode() + ", not JSON");
        }
        if (res.statusCode() / 100 != 2) {
            StringBuilder all = new StringBuilder();
            body.path("errors").forEach(e -> all.append(e.asText()).append('\n'));
            throw new IllegalStateException(what + " on " + jm + " failed: "
                    + (all.isEmpty() ? "HTTP " + res.statusCode() : rootCause(all.toString())));
        }
        return body;
    }

    /** The deepest {@code Caused by:} of a Java stack trace as text (else its first line), without the exception's package. */
    static String rootCause(String trace) {
        String line = trace.strip().lines().findFirst().orElse("");
        for (String l : trace.lines().toList()) {
            if (l.startsWith("Caused by: ")) line = l.substring("Caused by: ".length());
        }
        return line.replaceFirst("^(?:[a-z_$][\\w$]*\\.)+(?=[A-Z])", "").strip();
    }
}
