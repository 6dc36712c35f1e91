package dev.tandem.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Confluent Schema Registry REST API on the JDK's {@link HttpClient}. Sticks to the requests and
 * fields that Confluent, Apicurio's ccompat API, Karapace and Redpanda all answer alike.
 *
 * <p>Retries (with exponential backoff and jitter, honouring {@code Retry-After}) only what can
 * succeed the next time: connection failures, timeouts, 5xx and 429. A 4xx is the registry's
 * answer and is thrown at once. Retrying a registration is safe: it is idempotent.
 */
public final class RestSchemaRegistryClient implements SchemaRegistryClient {
    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    static final String ACCEPT = "application/vnd.schemaregistry.v1+json, "
            + "application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";
    private static final Logger LOG = LoggerFactory.getLogger(RestSchemaRegistryClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RegistryClientConfig config;
    private final HttpClient http;
    private final String authorization;
    private final AtomicInteger nextUrl = new AtomicInteger();

    public RestSchemaRegistryClient(RegistryClientConfig config) {
        this.config = config;
        HttpClient.Builder b = HttpClient.newBuilder()
                .connectTimeout(config.connectTimeout())
                .followRedirects(HttpClient.Redirect.NORMAL);
        if (config.sslContext() != null) b.sslContext(config.sslContext());
        this.http = b.build();
        this.authorization =
                config.userInfo() == null ? null : RegistryClientConfig.basicAuthorization(config.userInfo());
    }

    public RestSchemaRegistryClient(String url) {
        this(RegistryClientConfig.of(url));
    }

    public static RestSchemaRegistryClient create(String url, Map<String, ?> configs) {
        return new RestSchemaRegistryClient(RegistryClientConfig.from(url, configs));
    }

    public RegistryClientConfig config() {
        return config;
    }

    @Override
    public int register(String subject, Schema schema) {
        return send("POST", "/subjects/" + seg(subject) + "/versions", schemaBody(schema))
                .path("id")
                .asInt();
    }

    @Override
    public Schema getSchemaById(int id) {
        return parseSchema(
                send("GET", "/schemas/ids/" + id, null).path("schema").asText());
    }

    @Override
    public SchemaVersion getLatestVersion(String subject) {
        return toVersion(subject, send("GET", "/subjects/" + seg(subject) + "/versions/latest", null));
    }

    @Override
    public SchemaVersion getVersion(String subject, int version) {
        return toVersion(subject, send("GET", "/subjects/" + seg(subject) + "/versions/" + version, null));
    }

    @Override
    public List<Integer> getAllVersions(String subject) {
        List<Integer> out = new ArrayList<>();
        send("GET", "/subjects/" + seg(subject) + "/versions", null).forEach(n -> out.add(n.asInt()));
        return out;
    }

    @Override
    public SchemaVersion lookup(String subject, Schema schema) {
        return toVersion(subject, send("POST", "/subjects/" + seg(subject), schemaBody(schema)));
    }

    @Override
    public CompatibilityResult testCompatibility(String subject, Schema schema) {
        JsonNode r;
        try {
            r = send(
                    "POST",
                    "/compatibility/subjects/" + seg(subject) + "/versions/latest?verbose=true",
                    schemaBody(schema));
        } catch (SchemaRegistryException e) {
            // Registries differ on a subject with no versions; all of them would accept the registration.
            if (e.errorCode() == SchemaRegistryException.SUBJECT_NOT_FOUND
                    || e.errorCode() == SchemaRegistryException.VERSION_NOT_FOUND) {
                return CompatibilityResult.ok();
            }
            throw e;
        }
        List<String> messages = new ArrayList<>();
        r.path("messages").forEach(n -> messages.add(n.asText()));
        return new CompatibilityResult(r.path("is_compatible").asBoolean(false), messages);
    }

    @Override
    public List<String> listSubjects() {
        List<String> out = new ArrayList<>();
        send("GET", "/subjects", null).forEach(n -> out.add(n.asText()));
        return out;
    }

    @Override
    public CompatibilityLevel getCompatibility(String subject) {
        if (subject == null) return level(send("GET", "/config", null));
        try {
            return level(send("GET", "/config/" + seg(subject) + "?defaultToGlobal=true", null));
        } catch (SchemaRegistryException e) {
            // Registries that ignore defaultToGlobal answer 404 for a subject without its own level.
            if (e.status() == 404) return level(send("GET", "/config", null));
            throw e;
        }
    }

    @Override
    public void setCompatibility(String subject, CompatibilityLevel level) {
        ObjectNode body = JSON.createObjectNode().put("compatibility", level.name());
        send("PUT", subject == null ? "/config" : "/config/" + seg(subject), body);
    }

    @Override
    public List<Integer> deleteSubject(String subject) {
        List<Integer> out = new ArrayList<>();
        send("DELETE", "/subjects/" + seg(subject), null).forEach(n -> out.add(n.asInt()));
        return out;
    }

    // ---------------------------------------------------------------------------------------

    private JsonNode send(String method, String pathAndQuery, JsonNode body) {
        List<URI> urls = config.urls();
        int start = Math.floorMod(nextUrl.get(), urls.size());
        byte[] payload = body == null ? null : body.toString().getBytes(StandardCharsets.UTF_8);
        for (int attempt = 0; ; attempt++) {
            URI uri = URI.create(urls.get((start + attempt) % urls.size()) + pathAndQuery);
            HttpRequest.Builder rb = HttpRequest.newBuilder(uri)
                    .timeout(config.requestTimeout())
                    .header("Accept", ACCEPT)
                    .method(
                            method,
                            payload == null
                                    ? HttpRequest.BodyPublishers.noBody()
                                    : HttpRequest.BodyPublishers.ofByteArray(payload));
            if (payload != null) rb.header("Content-Type", CONTENT_TYPE);
            if (authorization != null) rb.header("Authorization", authorization);
            boolean last = attempt >= config.maxRetries();
            HttpResponse<String> response;
            try {
                response = http.send(rb.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                if (last) {
                    throw new SchemaRegistryException(
                            0,
                            SchemaRegistryException.UNREACHABLE,
                            method + " " + uri + " failed after " + (attempt + 1) + " attempt(s): " + e,
                            e);
                }
                nextUrl.incrementAndGet();
                backoff(attempt, null, method, uri, e.toString());
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryException(
                        0, SchemaRegistryException.UNREACHABLE, "Interrupted during " + method + " " + uri, e);
            }
            int status = response.statusCode();
            if (status >= 200 && status < 300) {
                return readJson(response.body(), status, uri);
            }
            if ((status >= 500 || status == 429) && !last) {
                backoff(
                        attempt,
                        response.headers().firstValue("Retry-After").orElse(null),
                        method,
                        uri,
                        "HTTP " + status);
                continue;
            }
            throw error(status, response.body(), method, uri);
        }
    }

    private void backoff(int attempt, String retryAfter, String method, URI uri, String why) {
        long base = config.retryBackoff().toMillis();
        long max = config.maxRetryBackoff().toMillis();
        long exp = Math.min(max, base << Math.min(attempt, 20));
        // Jitter keeps many clients that failed together from retrying together.
        long wait = exp / 2 + ThreadLocalRandom.current().nextLong(exp / 2 + 1);
        if (retryAfter != null) {
            try {
                wait = Math.max(
                        wait,
                        Math.min(
                                max,
                                Duration.ofSeconds(Long.parseLong(retryAfter.trim()))
                                        .toMillis()));
            } catch (NumberFormatException ignored) {
                // An HTTP-date Retry-After: our own backoff is good enough.
            }
        }
        LOG.warn(
                "Schema registry {} {} failed ({}); retry {} of {} in {} ms",
                method,
                uri,
                why,
                attempt + 1,
                config.maxRetries(),
                wait);
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException(
                    0,
                    SchemaRegistryException.UNREACHABLE,
                    "Interrupted while waiting to retry " + method + " " + uri,
                    e);
        }
    }

    private static SchemaRegistryException error(int status, String body, String method, URI uri) {
        int code = status;
        String message = body == null ? "" : body.strip();
        try {
            JsonNode n = JSON.readTree(body);
            if (n != null && n.isObject()) {
                if (n.has("error_code")) code = n.get("error_code").asInt(status);
                if (n.has("message")) message = n.get("message").asText();
            }
        } catch (IOException notJson) {
            // Proxies answer HTML; keep the start of it.
        }
        if (message.length() > 500) message = message.substring(0, 500) + "...";
        if (message.isEmpty()) message = "no message";
        return new SchemaRegistryException(status, code, method + " " + uri.getPath() + ": " + message);
    }

    private static JsonNode readJson(String body, int status, URI uri) {
        try {
            JsonNode n = JSON.readTree(body == null || body.isEmpty() ? "null" : body);
            return n == null ? JSON.nullNode() : n;
        } catch (IOException e) {
            throw new SchemaRegistryException(
                    status,
                    SchemaRegistryException.INTERNAL_SERVER_ERROR,
                    "Unreadable JSON from " + uri + ": " + e.getMessage(),
                    e);
        }
    }

    private static ObjectNode schemaBody(Schema schema) {
        return JSON.createObjectNode().put("schema", schema.toString());
    }

    private static Schema parseSchema(String text) {
        try {
            return new Schema.Parser().parse(text);
        } catch (RuntimeException e) {
            throw SchemaRegistryException.invalidSchema("registry returned an unparseable schema: " + e.getMessage());
        }
    }

    private static SchemaVersion toVersion(String subject, JsonNode n) {
        return new SchemaVersion(
                n.path("subject").asText(subject),
                n.path("id").asInt(),
                n.path("version").asInt(),
                parseSchema(n.path("schema").asText()));
    }

    private static CompatibilityLevel level(JsonNode n) {
        JsonNode l = n.has("compatibilityLevel") ? n.get("compatibilityLevel") : n.get("compatibility");
        return CompatibilityLevel.parse(l == null ? null : l.asText());
    }

    /** Percent-encodes a path segment; URLEncoder would turn spaces into '+', which paths do not decode. */
    static String seg(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '-'
                    || c == '.'
                    || c == '_'
                    || c == '~') {
                out.append(c);
            } else {
                out.append('%')
                        .append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return "RestSchemaRegistryClient[" + config + "]";
    }
}
