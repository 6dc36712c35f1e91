package dev.tandem.schemas.registry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tandem.schemas.http.JdkHttpServers;
import dev.tandem.schemas.registry.CompatibilityLevel;
import dev.tandem.schemas.registry.CompatibilityResult;
import dev.tandem.schemas.registry.RegistryClientConfig;
import dev.tandem.schemas.registry.SchemaRegistryException;
import dev.tandem.schemas.registry.SchemaVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embeddable schema registry speaking the subset of Confluent's REST API that serdes and
 * tooling use, with the same JSON shapes, status codes and error codes. The rules live in
 * {@link RegistryCore}; this class only maps HTTP to it. Avro only (no schema references).
 */
public final class SchemaRegistryServer implements AutoCloseable {
    static {
        JdkHttpServers.enableNoDelay();
    }

    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY_BYTES = 8 << 20;

    private final HttpServer http;
    private final ExecutorService executor;
    private final RegistryCore core;
    private final String url;
    private final byte[] expectedAuthorization;

    private SchemaRegistryServer(Builder b) throws IOException {
        this.core = new RegistryCore(b.store);
        this.expectedAuthorization = b.user == null
                ? null
                : RegistryClientConfig.basicAuthorization(b.user + ":" + b.password)
                        .getBytes(StandardCharsets.UTF_8);
        InetSocketAddress address = new InetSocketAddress(b.host, b.port);
        this.http = JdkHttpServers.create(address, 64, b.sslContext);
        this.executor = Executors.newFixedThreadPool(b.threads, daemonThreads());
        http.setExecutor(executor);
        http.createContext("/", this::handle);
        http.start();
        String host = b.host.contains(":") ? "[" + b.host + "]" : b.host;
        this.url = (b.sslContext != null ? "https" : "http") + "://" + host + ":"
                + http.getAddress().getPort();
        LOG.info(
                "Schema registry listening on {} ({} threads, basic auth {}, store {})",
                url,
                b.threads,
                b.user != null ? "on" : "off",
                b.store.getClass().getSimpleName());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The base URL clients use, e.g. {@code http://127.0.0.1:8081}. */
    public String url() {
        return url;
    }

    public int port() {
        return http.getAddress().getPort();
    }

    /** The registry's state, for in-process use ({@link dev.tandem.schemas.registry.InProcessSchemaRegistryClient}). */
    public RegistryCore core() {
        return core;
    }

    /** Stops serving, then closes the store. */
    @Override
    public void close() {
        http.stop(0);
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) executor.shutdownNow();
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        core.store().close();
    }

    // ---------------------------------------------------------------------------------------

    private void handle(HttpExchange ex) {
        try (ex) {
            Reply reply;
            try {
                reply = authorized(ex) ? dispatch(ex) : Reply.error(401, 401, "Unauthorized");
            } catch (SchemaRegistryException e) {
                reply = Reply.error(e.status(), e.errorCode(), e.registryMessage());
            } catch (BadRequest e) {
                reply = Reply.error(e.status, e.code, e.getMessage());
            } catch (RuntimeException | Error e) {
                LOG.error("Schema registry failed on {} {}", ex.getRequestMethod(), ex.getRequestURI(), e);
                reply = Reply.error(500, SchemaRegistryException.INTERNAL_SERVER_ERROR, "Internal server error");
            }
            send(ex, reply);
        } catch (IOException e) {
            LOG.debug("Client went away during {} {}: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString());
        }
    }

    private boolean authorized(HttpExchange ex) {
        if (expectedAuthorization == null) return true;
        String given = ex.getRequestHeaders().getFirst("Authorization");
        return given != null && MessageDigest.isEqual(expectedAuthorization, given.getBytes(StandardCharsets.UTF_8));
    }

    private Reply dispatch(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        List<String> seg = segments(ex.getRequestURI().getRawPath());
        Map<String, String> query = query(ex.getRequestURI().getRawQuery());
        Map<String, Handler> routes = routes(seg, query);
        if (routes == null) return Reply.error(404, 404, "HTTP 404 Not Found");
        Handler h = routes.get(method);
        if (h == null) {
            Reply r = Reply.error(405, 405, "HTTP 405 Method Not Allowed");
            r.headers.put("Allow", String.join(", ", routes.keySet()));
            return r;
        }
        return h.handle(ex);
    }

    /** The methods a path answers to, or {@code null} when the path is not part of the API. */
    private Map<String, Handler> routes(List<String> s, Map<String, String> q) {
        Map<String, Handler> m = new LinkedHashMap<>();
        int n = s.size();
        if (n == 0) {
            m.put("GET", ex -> Reply.ok(JSON.createObjectNode()));
        } else if (s.get(0).equals("subjects")) {
            if (n == 1) {
                m.put("GET", ex -> Reply.ok(strings(core.subjects())));
            } else if (n == 2) {
                String subject = s.get(1);
                m.put("POST", ex -> Reply.ok(versionJson(core.lookup(subject, schemaOf(ex)))));
                m.put("DELETE", ex -> Reply.ok(ints(core.deleteSubject(subject))));
            } else if (n == 3 && s.get(2).equals("versions")) {
                String subject = s.get(1);
                m.put("GET", ex -> Reply.ok(ints(core.versions(subject))));
                m.put("POST", ex -> Reply.ok(JSON.createObjectNode().put("id", core.register(subject, schemaOf(ex)))));
            } else if (n == 4 && s.get(2).equals("versions")) {
                String subject = s.get(1);
                String version = s.get(3);
                m.put("GET", ex -> Reply.ok(versionJson(core.version(subject, version))));
            } else if (n == 5 && s.get(2).equals("versions") && s.get(4).equals("schema")) {
                String subject = s.get(1);
                String version = s.get(3);
                m.put(
                        "GET",
                        ex -> Reply.raw(core.version(subject, version).schema().toString()));
            } else {
                return null;
            }
        } else if (s.get(0).equals("schemas")) {
            if (n == 2 && s.get(1).equals("types")) {
                m.put("GET", ex -> Reply.ok(strings(List.of("AVRO"))));
            } else if (n == 3 && s.get(1).equals("ids")) {
                int id = parseId(s.get(2));
                m.put(
                        "GET",
                        ex -> Reply.ok(JSON.createObjectNode()
                                .put("schema", core.schemaById(id).toString())));
            } else if (n == 4 && s.get(1).equals("ids") && s.get(3).equals("schema")) {
                int id = parseId(s.get(2));
                m.put("GET", ex -> Reply.raw(core.schemaById(id).toString()));
            } else {
                return null;
            }
        } else if (s.get(0).equals("compatibility")
                && n >= 4
                && s.get(1).equals("subjects")
                && s.get(3).equals("versions")) {
            String subject = s.get(2);
            boolean verbose = Boolean.parseBoolean(q.get("verbose"));
            if (n == 4) {
                m.put("POST", ex -> Reply.ok(compatJson(core.testCompatibilityAll(subject, schemaOf(ex)), verbose)));
            } else if (n == 5) {
                String version = s.get(4);
                m.put(
                        "POST",
                        ex -> Reply.ok(compatJson(core.testCompatibility(subject, schemaOf(ex), version), verbose)));
            } else {
                return null;
            }
        } else if (s.get(0).equals("config") && n <= 2) {
            String subject = n == 2 ? s.get(1) : null;
            boolean defaultToGlobal = Boolean.parseBoolean(q.get("defaultToGlobal"));
            m.put(
                    "GET",
                    ex -> Reply.ok(JSON.createObjectNode()
                            .put(
                                    "compatibilityLevel",
                                    core.compatibility(subject, defaultToGlobal).name())));
            m.put("PUT", ex -> {
                JsonNode body = body(ex);
                JsonNode level = body.get("compatibility");
                if (level == null) level = body.get("compatibilityLevel");
                CompatibilityLevel l =
                        CompatibilityLevel.parse(level == null || level.isNull() ? null : level.asText());
                core.setCompatibility(subject, l);
                return Reply.ok(JSON.createObjectNode().put("compatibility", l.name()));
            });
        } else {
            return null;
        }
        return m;
    }

    private static Schema schemaOf(HttpExchange ex) throws IOException {
        JsonNode body = body(ex);
        JsonNode type = body.get("schemaType");
        if (type != null && !type.isNull() && !type.asText().equalsIgnoreCase("AVRO")) {
            throw SchemaRegistryException.invalidSchema(
                    "unsupported schema type '" + type.asText() + "': this registry stores AVRO only");
        }
        JsonNode refs = body.get("references");
        if (refs != null && refs.isArray() && refs.size() > 0) {
            throw SchemaRegistryException.invalidSchema(
                    "schema references are not supported: inline the referenced types");
        }
        JsonNode schema = body.get("schema");
        if (schema == null || !schema.isTextual()) {
            throw SchemaRegistryException.invalidSchema("the request needs a \"schema\" string field");
        }
        return RegistryCore.parse(schema.asText());
    }

    private static JsonNode body(HttpExchange ex) throws IOException {
        byte[] bytes;
        try (InputStream in = ex.getRequestBody()) {
            bytes = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (bytes.length > MAX_BODY_BYTES)
            throw new BadRequest(413, 413, "Request body larger than " + MAX_BODY_BYTES + " bytes");
        try {
            JsonNode n = JSON.readTree(bytes);
            if (n == null || !n.isObject()) throw new BadRequest(400, 400, "The request body must be a JSON object");
            return n;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new BadRequest(400, 400, "Malformed JSON in the request body");
        }
    }

    private static ObjectNode versionJson(SchemaVersion v) {
        return JSON.createObjectNode()
                .put("subject", v.subject())
                .put("version", v.version())
                .put("id", v.id())
                .put("schema", v.schema().toString());
    }

    private static ObjectNode compatJson(CompatibilityResult r, boolean verbose) {
        ObjectNode n = JSON.createObjectNode().put("is_compatible", r.compatible());
        if (verbose) {
            ArrayNode messages = n.putArray("messages");
            r.messages().forEach(messages::add);
        }
        return n;
    }

    private static ArrayNode strings(List<String> values) {
        ArrayNode a = JSON.createArrayNode();
        values.forEach(a::add);
        return a;
    }

    private static ArrayNode ints(List<Integer> values) {
        ArrayNode a = JSON.createArrayNode();
        values.forEach(a::add);
        return a;
    }

    private static int parseId(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw SchemaRegistryException.schemaNotFound("id '" + s + "'");
        }
    }

    private static List<String> segments(String rawPath) {
        List<String> out = new ArrayList<>();
        if (rawPath == null) return out;
        for (String part : rawPath.split("/")) {
            // '+' is literal in a path; URLDecoder would make it a space.
            if (!part.isEmpty()) out.add(URLDecoder.decode(part.replace("+", "%2B"), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> out = new HashMap<>();
        if (rawQuery == null) return out;
        for (String kv : rawQuery.split("&")) {
            int eq = kv.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "true" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(k, v);
        }
        return out;
    }

    private static void send(HttpExchange ex, Reply reply) throws IOException {
        byte[] body = reply.body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", reply.contentType);
        reply.headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        if (reply.status == 401) ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"schema-registry\"");
        ex.sendResponseHeaders(reply.status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "schema-registry-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    @FunctionalInterface
    private interface Handler {
        Reply handle(HttpExchange ex) throws IOException;
    }

    private static final class BadRequest extends RuntimeException {
        final int status;
        final int code;

        BadRequest(int status, int code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }
    }

    private static final class Reply {
        final int status;
        final String body;
        final String contentType;
        final Map<String, String> headers = new LinkedHashMap<>();

        private Reply(int status, String body, String contentType) {
            this.status = status;
            this.body = body;
            this.contentType = contentType;
        }

        static Reply ok(JsonNode json) {
            return new Reply(200, json.toString(), CONTENT_TYPE);
        }

        static Reply raw(String schema) {
            return new Reply(200, schema, CONTENT_TYPE);
        }

        static Reply error(int status, int code, String message) {
            ObjectNode n = JSON.createObjectNode().put("error_code", code).put("message", message);
            return new Reply(status, n.toString(), CONTENT_TYPE);
        }
    }

    /** Where and how to serve, and where to keep state. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 0;
        private SchemaStore store;
        private String user;
        private String password;
        private SSLContext sslContext;
        private int threads = 4;

        private Builder() {}

        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** 0 picks a free port; read it back with {@link SchemaRegistryServer#port()}. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port out of range: " + port);
            this.port = port;
            return this;
        }

        /** Defaults to a fresh {@link InMemorySchemaStore}. Closed with the server, or when it fails to start. */
        public Builder store(SchemaStore store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /** Require HTTP basic auth with these credentials on every request. */
        public Builder basicAuth(String user, String password) {
            this.user = Objects.requireNonNull(user, "user");
            this.password = Objects.requireNonNull(password, "password");
            return this;
        }

        /** Serve HTTPS with this context (its key managers hold the server certificate). */
        public Builder tls(SSLContext sslContext) {
            this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
            return this;
        }

        public Builder threads(int threads) {
            if (threads < 1) throw new IllegalArgumentException("threads must be >= 1");
            this.threads = threads;
            return this;
        }

        /** Starts serving; when that fails (a port in use, a store that cannot be read) the store is closed too. */
        public SchemaRegistryServer start() throws IOException {
            if (store == null) store = new InMemorySchemaStore();
            try {
                return new SchemaRegistryServer(this);
            } catch (IOException | RuntimeException e) {
                try {
                    store.close();
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        }
    }
}
