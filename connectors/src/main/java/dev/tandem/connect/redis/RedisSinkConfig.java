package dev.tandem.connect.redis;

import dev.tandem.connect.sink.ServingSinkConfig;
import io.lettuce.core.RedisURI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * The Redis sink's configuration: the keys every serving sink shares ({@link ServingSinkConfig#common()}) plus where
 * Redis is and how keys are laid out. Every value is checked by a validator, so a bad one fails the connector's
 * creation (Connect's {@code PUT /connectors/.../config/validate}) naming the key.
 */
public final class RedisSinkConfig extends ServingSinkConfig {
    public static final String URI = "redis.uri";
    public static final String PASSWORD = "redis.password";
    public static final String KEY_PREFIX = "redis.key.prefix";
    public static final String TTL_SECONDS = "redis.ttl.seconds";
    public static final String ITEM_SCORES = "redis.item.scores";
    public static final String CONNECT_TIMEOUT_MS = "redis.connect.timeout.ms";
    public static final String COMMAND_TIMEOUT_MS = "redis.command.timeout.ms";
    /**
     * Set by the connector on each task's copy of the config (0, 1, ...) so tasks in one worker get distinct metric
     * names; not for users to set.
     */
    public static final String TASK_ID = "tandem.task.id";

    private static final String GROUP = "Redis";

    public static final ConfigDef CONFIG_DEF = configDef();

    private static ConfigDef configDef() {
        return common().define(
                        URI,
                        Type.STRING,
                        ConfigDef.NO_DEFAULT_VALUE,
                        (name, value) -> parseUri(name, (String) value),
                        Importance.HIGH,
                        "Where Redis is, as a Lettuce URI: redis://[[user]:password@]host[:port][/database],"
                                + " rediss://... for TLS, redis-sentinel://... for Sentinel, e.g."
                                + " redis://127.0.0.1:6379/0.",
                        GROUP,
                        1,
                        Width.LONG,
                        "Redis URI")
                .define(
                        PASSWORD,
                        Type.PASSWORD,
                        null,
                        Importance.MEDIUM,
                        "Redis password; when set it replaces any password in redis.uri, so the secret can come"
                                + " from a config provider and stay out of the URI (which Connect shows in clear).",
                        GROUP,
                        2,
                        Width.MEDIUM,
                        "Redis password")
                .define(
                        KEY_PREFIX,
                        Type.STRING,
                        "tandem:",
                        new ConfigDef.NonNullValidator(),
                        Importance.MEDIUM,
                        "Prefix of every key the sink writes: {prefix}rec:{user_id} and"
                                + " {prefix}rec:{user_id}:scores.",
                        GROUP,
                        3,
                        Width.SHORT,
                        "Key prefix")
                .define(
                        TTL_SECONDS,
                        Type.LONG,
                        0L,
                        ConfigDef.Range.atLeast(0),
                        Importance.MEDIUM,
                        "Seconds a user's recommendation lives after its last write (0: forever).",
                        GROUP,
                        4,
                        Width.SHORT,
                        "TTL (s)")
                .define(
                        ITEM_SCORES,
                        Type.BOOLEAN,
                        false,
                        Importance.LOW,
                        "Also keep {prefix}rec:{user_id}:scores, a hash item_id -> objective score of the user's"
                                + " newest recommendation, for readers that look up single items.",
                        GROUP,
                        5,
                        Width.SHORT,
                        "Item scores")
                .define(
                        CONNECT_TIMEOUT_MS,
                        Type.LONG,
                        5_000L,
                        ConfigDef.Range.atLeast(1),
                        Importance.LOW,
                        "How long connecting to Redis may take before the batch is retried later.",
                        GROUP,
                        6,
                        Width.SHORT,
                        "Connect timeout (ms)")
                .define(
                        COMMAND_TIMEOUT_MS,
                        Type.LONG,
                        30_000L,
                        ConfigDef.Range.atLeast(1),
                        Importance.LOW,
                        "How long one batch's pipelined writes may take before the batch counts as failed and"
                                + " is retried.",
                        GROUP,
                        7,
                        Width.SHORT,
                        "Command timeout (ms)")
                .defineInternal(TASK_ID, Type.INT, 0, Importance.LOW);
    }

    public RedisSinkConfig(Map<?, ?> originals) {
        super(CONFIG_DEF, originals);
    }

    /** The URI to connect to, with {@link #PASSWORD} applied and the connect timeout set. */
    public RedisURI redisUri() {
        RedisURI uri = parseUri(URI, getString(URI));
        Password password = getPassword(PASSWORD);
        if (password != null && !password.value().isEmpty()) {
            String user = username(getString(URI));
            if (user == null) uri.setAuthentication(password.value());
            else uri.setAuthentication(user, password.value());
        }
        uri.setTimeout(commandTimeout());
        return uri;
    }

    public String keyPrefix() {
        return getString(KEY_PREFIX);
    }

    public long ttlSeconds() {
        return getLong(TTL_SECONDS);
    }

    public boolean itemScores() {
        return getBoolean(ITEM_SCORES);
    }

    public Duration connectTimeout() {
        return Duration.ofMillis(getLong(CONNECT_TIMEOUT_MS));
    }

    public Duration commandTimeout() {
        return Duration.ofMillis(getLong(COMMAND_TIMEOUT_MS));
    }

    public int taskId() {
        return getInt(TASK_ID);
    }

    /** The connector's name as Connect passes it to tasks ({@code name}), for metric names. */
    public String connectorName() {
        Object name = originals().get("name");
        return name == null ? "redis-sink" : name.toString();
    }

    static RedisURI parseUri(String key, String value) {
        if (value == null || value.isBlank()) throw new ConfigException(key, value, "a Redis URI is required");
        RedisURI uri;
        try {
            uri = RedisURI.create(value.trim());
        } catch (RuntimeException e) {
            throw new ConfigException(key, masked(value), "not a Redis URI: " + e.getMessage());
        }
        // Lettuce takes "redis://h:port" with a non-numeric port as a host named "h:port", which would only fail
        // at the first connect, far from the config that caused it; java.net.URI finds no server-based host there
        // (sentinel URIs list several hosts and are left to Lettuce)
        String scheme = value.trim().toLowerCase(java.util.Locale.ROOT);
        if (scheme.startsWith("redis://") || scheme.startsWith("rediss://")) {
            try {
                if (new java.net.URI(value.trim()).getHost() == null) {
                    throw new ConfigException(key, masked(value), "no host, or a port that is not a number");
                }
            } catch (java.net.URISyntaxException e) {
                throw new ConfigException(key, masked(value), "not a Redis URI: " + e.getMessage());
            }
        }
        return uri;
    }

    /** The ACL user named in {@code redis://user:password@...}, null when none (Lettuce keeps it behind a Mono). */
    static String username(String uri) {
        try {
            String info = new java.net.URI(uri.trim()).getRawUserInfo();
            int colon = info == null ? -1 : info.indexOf(':');
            return colon > 0 ? java.net.URLDecoder.decode(info.substring(0, colon), StandardCharsets.UTF_8) : null;
        } catch (java.net.URISyntaxException e) {
            return null;
        }
    }

    /** The URI with any password hidden, for error messages and logs. */
    static String masked(String uri) {
        return uri == null ? null : uri.replaceAll("//([^/@]*):[^/@]*@", "//$1:*****@");
    }
}
