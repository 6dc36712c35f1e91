package dev.tandem.platform.connect;

import dev.tandem.schemas.registry.RegistryClientConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.runtime.distributed.DistributedConfig;
import org.apache.kafka.connect.runtime.rest.RestServerConfig;

/**
 * The settings of {@code tandem connect}'s distributed worker: what the platform fixes (group, internal topics with
 * replication factor 1 for a one-broker dev cluster, the converters of our topics, read_committed sinks) and what the
 * command line chooses. {@code overrides} (a worker config file, {@code --worker-property}) are applied last, so any
 * Connect setting can still be changed, e.g. the {@code producer.}/{@code consumer.}/{@code admin.} security keys.
 *
 * @param restPort the REST port on 127.0.0.1; 0 picks a free one
 * @param pluginPath the dir whose sub-dirs are plugins (it holds {@code tandem-connectors/})
 * @param pluginDiscovery Connect's {@code plugin.discovery} mode, lower case
 */
public record WorkerSettings(
        String bootstrap,
        String registryUrl,
        int restPort,
        Path pluginPath,
        String pluginDiscovery,
        Map<String, String> overrides) {
    public static final String GROUP_ID = "tandem-connect";
    public static final String CONFIG_TOPIC = "connect-configs";
    public static final String OFFSET_TOPIC = "connect-offsets";
    public static final String STATUS_TOPIC = "connect-status";
    public static final String REST_HOST = "127.0.0.1";
    public static final int DEFAULT_REST_PORT = 8083;
    public static final String KEY_CONVERTER = "org.apache.kafka.connect.storage.StringConverter";
    /** By name: the converter is in the plugin, which the worker loads from plugin.path, not from our class path. */
    public static final String VALUE_CONVERTER = "dev.tandem.connect.avro.TandemAvroConverter";

    private static final Pattern SECRET_KEY =
            Pattern.compile("(?i).*(password|secret|jaas\\.config|credentials?|token).*");

    public WorkerSettings {
        Objects.requireNonNull(bootstrap, "bootstrap");
        Objects.requireNonNull(registryUrl, "registryUrl");
        Objects.requireNonNull(pluginPath, "pluginPath");
        Objects.requireNonNull(pluginDiscovery, "pluginDiscovery");
        if (restPort < 0 || restPort > 65_535)
            throw new IllegalArgumentException("REST port out of range: " + restPort);
        overrides = Map.copyOf(overrides);
    }

    /**
     * A principal's Kafka client security settings as worker settings: for the worker's own clients and, under
     * {@code producer.}, {@code consumer.} and {@code admin.}, for the ones it makes for connectors.
     */
    public static Map<String, String> securityOverrides(Map<String, String> clientSecurity) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String prefix : java.util.List.of("", "producer.", "consumer.", "admin."))
            clientSecurity.forEach((k, v) -> out.put(prefix + k, v));
        return out;
    }

    /**
     * A secured registry's client settings (truststore, basic auth) for the worker's default value converter; a
     * connector that sets its own converter, or decodes bytes itself, takes them in its own config.
     */
    public static Map<String, String> registryOverrides(Map<String, String> registryClientSettings) {
        Map<String, String> out = new LinkedHashMap<>();
        registryClientSettings.forEach((k, v) -> out.put(WorkerConfig.VALUE_CONVERTER_CLASS_CONFIG + "." + k, v));
        return out;
    }

    /** The registry client settings the worker's value converter has ({@link #registryOverrides}), unprefixed. */
    public Map<String, String> registryClient() {
        String prefix = WorkerConfig.VALUE_CONVERTER_CLASS_CONFIG + ".";
        Map<String, String> unprefixed = new LinkedHashMap<>();
        workerProperties().forEach((k, v) -> {
            if (k.startsWith(prefix)) unprefixed.put(k.substring(prefix.length()), v);
        });
        return dev.tandem.schemas.kafka.KafkaEndpoints.registrySettings(unprefixed);
    }

    /** Connect's prefix for the settings of its REST server's {@code https} listener. */
    public static final String REST_HTTPS_PREFIX = "listeners.https.";

    /**
     * The same settings with the REST API on HTTPS only, with the certificate in {@code keystore}. Connect's REST API
     * has no token of its own (an authenticating {@code rest.extension.classes} plugin would add one); TLS keeps the
     * connector configs it returns, secrets and all, off the wire.
     */
    public WorkerSettings withRestTls(Path keystore, String password, String type) {
        return withOverrides(restTlsOverrides(restPort, keystore, password, type));
    }

    /** {@link #withRestTls}'s worker settings, for a worker started with {@code --worker-property} lines. */
    public static Map<String, String> restTlsOverrides(int restPort, Path keystore, String password, String type) {
        Map<String, String> tls = new LinkedHashMap<>();
        tls.put(RestServerConfig.LISTENERS_CONFIG, "https://" + REST_HOST + ":" + restPort);
        tls.put(RestServerConfig.REST_ADVERTISED_LISTENER_CONFIG, "https");
        tls.put(
                REST_HTTPS_PREFIX + "ssl.keystore.location",
                keystore.toAbsolutePath().toString());
        tls.put(REST_HTTPS_PREFIX + "ssl.keystore.password", password);
        tls.put(REST_HTTPS_PREFIX + "ssl.keystore.type", type);
        return tls;
    }

    /**
     * How the platform's own REST client checks an {@code https} worker: against the listener's truststore when one is
     * set, else against the certificate in its keystore (the worker's own, as {@code tandem connect} and the demo start
     * it); null for a plain {@code http} listener or the JVM's default trust.
     */
    public javax.net.ssl.SSLContext restClientTls() {
        Map<String, String> p = workerProperties();
        if (!p.getOrDefault(RestServerConfig.LISTENERS_CONFIG, "")
                .toLowerCase(java.util.Locale.ROOT)
                .contains("https://")) return null;
        for (String store : List.of("truststore", "keystore")) {
            String location = p.get(REST_HTTPS_PREFIX + "ssl." + store + ".location");
            if (location != null && !location.isBlank()) {
                return dev.tandem.schemas.registry.SslContexts.trusting(
                        Path.of(location),
                        p.get(REST_HTTPS_PREFIX + "ssl." + store + ".password"),
                        p.getOrDefault(REST_HTTPS_PREFIX + "ssl." + store + ".type", "JKS"));
            }
        }
        return null;
    }

    /** The same settings with {@code more} applied last. */
    public WorkerSettings withOverrides(Map<String, String> more) {
        Map<String, String> all = new LinkedHashMap<>(overrides);
        all.putAll(more);
        return new WorkerSettings(bootstrap, registryUrl, restPort, pluginPath, pluginDiscovery, all);
    }

    /** The same settings for another Kafka cluster and registry. */
    public WorkerSettings withKafka(String bootstrap, String registryUrl) {
        return new WorkerSettings(bootstrap, registryUrl, restPort, pluginPath, pluginDiscovery, overrides);
    }

    /** The worker's properties, overrides last. */
    public Map<String, String> workerProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(DistributedConfig.GROUP_ID_CONFIG, GROUP_ID);
        p.put(DistributedConfig.CONFIG_TOPIC_CONFIG, CONFIG_TOPIC);
        p.put(DistributedConfig.OFFSET_STORAGE_TOPIC_CONFIG, OFFSET_TOPIC);
        p.put(DistributedConfig.STATUS_STORAGE_TOPIC_CONFIG, STATUS_TOPIC);
        p.put(DistributedConfig.CONFIG_STORAGE_REPLICATION_FACTOR_CONFIG, "1");
        p.put(DistributedConfig.OFFSET_STORAGE_REPLICATION_FACTOR_CONFIG, "1");
        p.put(DistributedConfig.STATUS_STORAGE_REPLICATION_FACTOR_CONFIG, "1");
        p.put(WorkerConfig.KEY_CONVERTER_CLASS_CONFIG, KEY_CONVERTER);
        p.put(WorkerConfig.VALUE_CONVERTER_CLASS_CONFIG, VALUE_CONVERTER);
        p.put(WorkerConfig.VALUE_CONVERTER_CLASS_CONFIG + "." + RegistryClientConfig.URL, registryUrl);
        p.put(RestServerConfig.LISTENERS_CONFIG, "http://" + REST_HOST + ":" + restPort);
        p.put(RestServerConfig.REST_ADVERTISED_HOST_NAME_CONFIG, REST_HOST);
        p.put(
                WorkerConfig.PLUGIN_PATH_CONFIG,
                pluginPath.toAbsolutePath().normalize().toString());
        p.put(WorkerConfig.PLUGIN_DISCOVERY_CONFIG, pluginDiscovery);
        // predictions are written in transactions by the exactly-once scoring job; consumers default to
        // read_uncommitted and would serve aborted predictions
        p.put("consumer." + ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.putAll(overrides);
        return p;
    }

    /** The properties one per line, secrets masked, for the command's start-up print. */
    /** The worker's own client security settings ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}). */
    public Map<String, String> clientSecurity() {
        return dev.tandem.schemas.kafka.KafkaEndpoints.securitySettings(workerProperties());
    }

    public String describe() {
        StringBuilder sb = new StringBuilder();
        workerProperties()
                .forEach((k, v) -> sb.append("  ")
                        .append(String.format(Locale.ROOT, "%-36s", k))
                        .append(' ')
                        .append(isSecret(k) ? "****" : v)
                        .append('\n'));
        return sb.toString();
    }

    static boolean isSecret(String key) {
        return SECRET_KEY.matcher(key).matches();
    }
}
