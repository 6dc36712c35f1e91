package dev.tandem.schemas.registry.server;

import dev.tandem.schemas.config.AppMain;
import dev.tandem.schemas.config.ConfigException;
import dev.tandem.schemas.config.Settings;
import dev.tandem.schemas.registry.SchemaRegistryException;
import dev.tandem.schemas.topics.TandemTopics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.KafkaException;

/**
 * The schema registry as a service (the registry image, the chart's registry Deployment): the registry server on
 * the {@code _schemas} topic, then, unless {@code register.schemas=false}, every Tandem value schema registered under
 * its topic's subject ({@code <topic>-value}, {@link TandemTopics#valueSchemas()}). Registering goes through the
 * server's own core, so the rules are the ones a client's {@code POST} meets: a schema already there keeps its id,
 * and a subject whose latest schema is incompatible makes the start fail.
 */
public final class RegistryApp implements AutoCloseable {
    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String TOPIC = "topic";
    public static final String HTTP_HOST = "http.host";
    public static final String HTTP_PORT = "http.port";
    public static final String HTTP_THREADS = "http.threads";
    public static final String BASIC_AUTH_USER = "basic.auth.user";
    public static final String BASIC_AUTH_PASSWORD = "basic.auth.password";
    public static final String REGISTER_SCHEMAS = "register.schemas";
    public static final String STORE_TIMEOUT = "store.timeout";
    /** Kafka client settings of the store (security, client ids), the prefix removed: {@code kafka.security.protocol}. */
    public static final String KAFKA_PREFIX = "kafka.";

    public static final int DEFAULT_PORT = 8081;

    /** Every key with its default, in the order {@code --help} prints them. */
    public static final Map<String, String> DEFAULTS;

    public static final Set<String> PREFIXES = Set.of(KAFKA_PREFIX);

    static {
        Map<String, String> d = new LinkedHashMap<>();
        d.put(BOOTSTRAP_SERVERS, "localhost:9092");
        d.put(TOPIC, TandemTopics.SCHEMAS);
        d.put(HTTP_HOST, "127.0.0.1");
        d.put(HTTP_PORT, Integer.toString(DEFAULT_PORT));
        d.put(HTTP_THREADS, "8");
        d.put(BASIC_AUTH_USER, "");
        d.put(BASIC_AUTH_PASSWORD, "");
        d.put(REGISTER_SCHEMAS, "true");
        d.put(STORE_TIMEOUT, "60s");
        DEFAULTS = Collections.unmodifiableMap(d);
    }

    private final SchemaRegistryServer server;
    private final Map<String, Integer> registered;

    private RegistryApp(SchemaRegistryServer server, Map<String, Integer> registered) {
        this.server = server;
        this.registered = registered;
    }

    /** From the defaults, {@code file} (may be null), then {@code TANDEM_*} variables in {@code env}. */
    public static Settings load(Path file, Map<String, String> env) {
        return Settings.load(DEFAULTS, PREFIXES, file, env);
    }

    /**
     * Opens the Kafka store on {@code topic}, starts the server and registers the Tandem schemas.
     *
     * @throws ConfigException for a bad setting
     * @throws IllegalStateException when a Tandem subject holds a schema the current one is incompatible with
     * @throws org.apache.kafka.common.KafkaException when Kafka cannot be reached or the topic cannot be read
     * @throws UncheckedIOException when the port cannot be bound
     */
    public static RegistryApp start(Settings settings) {
        Map<String, Object> clients = new HashMap<>(settings.withPrefix(KAFKA_PREFIX));
        clients.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, settings.nonBlank(BOOTSTRAP_SERVERS));
        Duration timeout = settings.duration(STORE_TIMEOUT);
        return start(settings, KafkaSchemaStore.open(clients, settings.nonBlank(TOPIC), timeout));
    }

    /** As {@link #start(Settings)} on a store already open (tests: an {@link InMemorySchemaStore}); closes it on failure. */
    public static RegistryApp start(Settings settings, SchemaStore store) {
        SchemaRegistryServer.Builder b = SchemaRegistryServer.builder();
        boolean register;
        try {
            b.host(settings.nonBlank(HTTP_HOST))
                    .port(settings.integer(HTTP_PORT, 0, 65_535))
                    .threads(settings.integer(HTTP_THREADS, 1, 1024));
            String user = settings.optional(BASIC_AUTH_USER);
            if (user != null) b.basicAuth(user, settings.nonBlank(BASIC_AUTH_PASSWORD));
            else if (settings.optional(BASIC_AUTH_PASSWORD) != null)
                throw new ConfigException(BASIC_AUTH_PASSWORD, null, "is set but " + BASIC_AUTH_USER + " is empty");
            register = settings.bool(REGISTER_SCHEMAS);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        SchemaRegistryServer server;
        try {
            server = b.store(store).start();
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot serve on " + settings.string(HTTP_HOST) + ":" + settings.string(HTTP_PORT) + ": "
                            + e.getMessage(),
                    e);
        }
        try {
            Map<String, Integer> ids = register ? registerTandemSchemas(server.core()) : Map.of();
            return new RegistryApp(server, ids);
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /**
     * Registers each value schema of {@link TandemTopics#valueSchemas()} under {@code <topic>-value}; returns subject →
     * id. Idempotent: a schema the subject already has keeps its id and adds no version.
     *
     * @throws IllegalStateException naming the subject when the subject's compatibility level refuses the schema
     */
    public static Map<String, Integer> registerTandemSchemas(RegistryCore core) {
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (Map.Entry<String, Schema> e : TandemTopics.valueSchemas().entrySet()) {
            String subject = e.getKey() + "-value";
            try {
                ids.put(subject, core.register(subject, e.getValue()));
            } catch (SchemaRegistryException ex) {
                if (ex.status() != 409) throw ex;
                // A one-line reason: the server's message carries every incompatibility, which is what to fix.
                throw new IllegalStateException("subject " + subject + " holds a schema that "
                        + e.getValue().getFullName() + " of this version is incompatible with ("
                        + core.compatibility(subject, true) + "): " + ex.registryMessage());
            }
        }
        return Collections.unmodifiableMap(ids);
    }

    /** Subject → id of what {@link #start} registered; empty with {@code register.schemas=false}. */
    public Map<String, Integer> registered() {
        return registered;
    }

    public String url() {
        return server.url();
    }

    public int port() {
        return server.port();
    }

    public RegistryCore core() {
        return server.core();
    }

    /** Stops serving, then closes the Kafka store. */
    @Override
    public void close() {
        server.close();
    }

    /** {@code RegistryApp [config.properties]}; {@code TANDEM_*} variables override the file. */
    public static void main(String[] args) throws InterruptedException {
        if (AppMain.helpAsked(args)) {
            System.out.print(usage());
            return;
        }
        Settings settings = load(AppMain.configFile(args), System.getenv());
        System.out.print(Settings.describe("tandem registry configuration:", settings.asMap()));
        RegistryApp app;
        try {
            app = start(settings);
        } catch (IllegalStateException | IllegalArgumentException | UncheckedIOException | KafkaException e) {
            // What to fix is in the message; a stack trace would bury it in the pod's log.
            System.err.println("registry: " + e.getMessage());
            System.exit(1);
            return;
        }
        System.out.println("schema registry on " + app.url() + " (topic " + settings.string(TOPIC) + "), "
                + app.registered().size() + " Tandem subject(s) registered");
        AppMain.runUntilStopped(app, "registry");
    }

    /** What {@code --help} prints: the one argument and every setting with its variable and default. */
    static String usage() {
        return AppMain.usage(
                "RegistryApp",
                "The schema registry (Confluent's REST API) on a Kafka topic; registers the Tandem schemas at start."
                        + " Kafka client settings under kafka.* (e.g. kafka.security.protocol).",
                DEFAULTS);
    }
}
