package dev.tandem.schemas.registry;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * How to reach a registry, read from Confluent's client keys so existing configuration carries over:
 * <ul>
 *   <li>{@code schema.registry.url}: one URL or a comma-separated list (tried in turn on retries)</li>
 *   <li>{@code basic.auth.credentials.source}: {@code USER_INFO} (uses {@code basic.auth.user.info},
 *       {@code user:password}) or {@code URL} (the user info of the URL)</li>
 *   <li>{@code schema.registry.ssl.truststore.location|password|type},
 *       {@code schema.registry.ssl.keystore.location|password|type}, {@code schema.registry.ssl.key.password}</li>
 *   <li>{@code http.connect.timeout.ms}, {@code http.read.timeout.ms} (request timeout)</li>
 *   <li>{@code max.retries}, {@code retries.wait.ms} (first backoff), {@code retries.max.wait.ms}</li>
 * </ul>
 */
public record RegistryClientConfig(
        List<URI> urls,
        String userInfo,
        SSLContext sslContext,
        Duration connectTimeout,
        Duration requestTimeout,
        int maxRetries,
        Duration retryBackoff,
        Duration maxRetryBackoff) {

    public static final String URL = "schema.registry.url";
    public static final String BASIC_AUTH_CREDENTIALS_SOURCE = "basic.auth.credentials.source";
    public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";
    public static final String SR_BASIC_AUTH_USER_INFO = "schema.registry.basic.auth.user.info";
    public static final String SSL_PREFIX = "schema.registry.ssl.";
    public static final String TRUSTSTORE_LOCATION = SSL_PREFIX + "truststore.location";
    public static final String TRUSTSTORE_PASSWORD = SSL_PREFIX + "truststore.password";
    public static final String TRUSTSTORE_TYPE = SSL_PREFIX + "truststore.type";
    public static final String KEYSTORE_LOCATION = SSL_PREFIX + "keystore.location";
    public static final String KEYSTORE_PASSWORD = SSL_PREFIX + "keystore.password";
    public static final String KEYSTORE_TYPE = SSL_PREFIX + "keystore.type";
    public static final String KEY_PASSWORD = SSL_PREFIX + "key.password";
    public static final String CONNECT_TIMEOUT_MS = "http.connect.timeout.ms";
    public static final String REQUEST_TIMEOUT_MS = "http.read.timeout.ms";
    public static final String MAX_RETRIES = "max.retries";
    public static final String RETRIES_WAIT_MS = "retries.wait.ms";
    public static final String RETRIES_MAX_WAIT_MS = "retries.max.wait.ms";

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_RETRIES = 3;
    public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofMillis(200);
    public static final Duration DEFAULT_MAX_RETRY_BACKOFF = Duration.ofSeconds(5);

    public RegistryClientConfig {
        urls = List.copyOf(urls);
        if (urls.isEmpty()) throw new IllegalArgumentException("at least one schema registry URL is required");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(retryBackoff, "retryBackoff");
        Objects.requireNonNull(maxRetryBackoff, "maxRetryBackoff");
        if (maxRetries < 0) throw new IllegalArgumentException("maxRetries must be >= 0");
    }

    /** Defaults for {@code url}: no auth, JDK trust, 3 retries. */
    public static RegistryClientConfig of(String url) {
        return new RegistryClientConfig(
                parseUrls(url),
                null,
                null,
                DEFAULT_CONNECT_TIMEOUT,
                DEFAULT_REQUEST_TIMEOUT,
                DEFAULT_MAX_RETRIES,
                DEFAULT_RETRY_BACKOFF,
                DEFAULT_MAX_RETRY_BACKOFF);
    }

    /** Reads the keys above; {@code url} overrides {@code schema.registry.url} when not null. */
    public static RegistryClientConfig from(String url, Map<String, ?> configs) {
        String u = url != null ? url : string(configs, URL, null);
        if (u == null) throw new IllegalArgumentException("Missing required configuration '" + URL + "'");
        List<URI> urls = parseUrls(u);
        String source = string(configs, BASIC_AUTH_CREDENTIALS_SOURCE, null);
        String userInfo = null;
        if (source == null || source.equalsIgnoreCase("URL")) {
            userInfo = urls.get(0).getRawUserInfo();
            if (userInfo != null)
                userInfo = java.net.URLDecoder.decode(userInfo, java.nio.charset.StandardCharsets.UTF_8);
            // Confluent reads USER_INFO when the source is unset only if the info is given.
            if (userInfo == null && source == null) userInfo = userInfoKey(configs);
        } else if (source.equalsIgnoreCase("USER_INFO")) {
            userInfo = userInfoKey(configs);
            if (userInfo == null) {
                throw new IllegalArgumentException(
                        BASIC_AUTH_CREDENTIALS_SOURCE + "=USER_INFO needs " + BASIC_AUTH_USER_INFO);
            }
        } else {
            throw new IllegalArgumentException(
                    "Unsupported " + BASIC_AUTH_CREDENTIALS_SOURCE + " '" + source + "': use USER_INFO or URL");
        }
        if (userInfo != null && userInfo.indexOf(':') < 0) {
            throw new IllegalArgumentException("Basic auth user info must be 'user:password'");
        }
        SSLContext ssl = null;
        String trust = string(configs, TRUSTSTORE_LOCATION, null);
        String keys = string(configs, KEYSTORE_LOCATION, null);
        if (trust != null || keys != null) {
            ssl = SslContexts.fromStores(
                    trust == null ? null : Path.of(trust),
                    string(configs, TRUSTSTORE_PASSWORD, null),
                    string(configs, TRUSTSTORE_TYPE, "JKS"),
                    keys == null ? null : Path.of(keys),
                    string(configs, KEYSTORE_PASSWORD, null),
                    string(configs, KEYSTORE_TYPE, "JKS"),
                    string(configs, KEY_PASSWORD, null));
        }
        return new RegistryClientConfig(
                stripUserInfo(urls),
                userInfo,
                ssl,
                Duration.ofMillis(longValue(configs, CONNECT_TIMEOUT_MS, DEFAULT_CONNECT_TIMEOUT.toMillis())),
                Duration.ofMillis(longValue(configs, REQUEST_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT.toMillis())),
                (int) longValue(configs, MAX_RETRIES, DEFAULT_MAX_RETRIES),
                Duration.ofMillis(longValue(configs, RETRIES_WAIT_MS, DEFAULT_RETRY_BACKOFF.toMillis())),
                Duration.ofMillis(longValue(configs, RETRIES_MAX_WAIT_MS, DEFAULT_MAX_RETRY_BACKOFF.toMillis())));
    }

    /** The {@code Authorization} header value for {@code user:password} basic auth. */
    public static String basicAuthorization(String userInfo) {
        return "Basic "
                + java.util.Base64.getEncoder()
                        .encodeToString(userInfo.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    public RegistryClientConfig withBasicAuth(String user, String password) {
        return new RegistryClientConfig(
                urls,
                user + ":" + password,
                sslContext,
                connectTimeout,
                requestTimeout,
                maxRetries,
                retryBackoff,
                maxRetryBackoff);
    }

    public RegistryClientConfig withSslContext(SSLContext ctx) {
        return new RegistryClientConfig(
                urls, userInfo, ctx, connectTimeout, requestTimeout, maxRetries, retryBackoff, maxRetryBackoff);
    }

    public RegistryClientConfig withRetries(int max, Duration backoff, Duration maxBackoff) {
        return new RegistryClientConfig(
                urls, userInfo, sslContext, connectTimeout, requestTimeout, max, backoff, maxBackoff);
    }

    public RegistryClientConfig withTimeouts(Duration connect, Duration request) {
        return new RegistryClientConfig(
                urls, userInfo, sslContext, connect, request, maxRetries, retryBackoff, maxRetryBackoff);
    }

    @Override
    public String toString() {
        // Never print the password.
        return "RegistryClientConfig[urls=" + urls + ", basicAuth="
                + (userInfo == null ? "none" : userInfo.substring(0, userInfo.indexOf(':')) + ":****") + ", tls="
                + (sslContext != null)
                + ", connectTimeout=" + connectTimeout + ", requestTimeout=" + requestTimeout
                + ", maxRetries=" + maxRetries + ", retryBackoff=" + retryBackoff + ".." + maxRetryBackoff + "]";
    }

    private static String userInfoKey(Map<String, ?> configs) {
        String v = string(configs, BASIC_AUTH_USER_INFO, null);
        return v != null ? v : string(configs, SR_BASIC_AUTH_USER_INFO, null);
    }

    static List<URI> parseUrls(String value) {
        List<URI> out = new ArrayList<>();
        for (String part : value.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) continue;
            URI uri = URI.create(p);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new IllegalArgumentException("Schema registry URL must be http(s)://...: '" + p + "'");
            }
            out.add(uri);
        }
        if (out.isEmpty()) throw new IllegalArgumentException("No schema registry URL in '" + value + "'");
        return out;
    }

    private static List<URI> stripUserInfo(List<URI> urls) {
        List<URI> out = new ArrayList<>();
        for (URI u : urls) {
            String s = u.toString();
            if (u.getRawUserInfo() != null) s = s.replace(u.getRawUserInfo() + "@", "");
            out.add(URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s));
        }
        return out;
    }

    static String string(Map<String, ?> configs, String key, String dflt) {
        Object v = configs.get(key);
        if (v == null) return dflt;
        if (v instanceof org.apache.kafka.common.config.types.Password p) return p.value();
        String s = v.toString();
        return s.isBlank() ? dflt : s;
    }

    static long longValue(Map<String, ?> configs, String key, long dflt) {
        Object v = configs.get(key);
        if (v == null) return dflt;
        if (v instanceof Number n) return n.longValue();
        try {
            return Long.parseLong(v.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + key + "' must be a number, got '" + v + "'");
        }
    }
}
