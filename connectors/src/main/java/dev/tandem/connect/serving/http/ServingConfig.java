package dev.tandem.connect.serving.http;

import dev.tandem.connect.serving.RecommendationStores;
import dev.tandem.schemas.config.Settings;
import dev.tandem.schemas.http.HttpSecurity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Typed configuration of the recommendations API, read as every Tandem app reads its settings ({@link Settings}):
 * built-in defaults, a properties file, then {@code TANDEM_<KEY>} environment variables ({@code TANDEM_STORE},
 * {@code TANDEM_HTTP_PORT}, …). {@code http.tls.*} and {@code http.auth.*} protect the API ({@link HttpSecurity}; off
 * by default).
 *
 * @param store the serving store's URL ({@code redis://…}, {@code jdbc:postgresql:…}, {@code jdbc:sqlite:…},
 *     {@code mem:…})
 * @param storeTimeout how long the store may take to answer at start-up
 * @param httpSecurity TLS and bearer token of the API
 */
public record ServingConfig(
        String store, String httpHost, int httpPort, int threads, Duration storeTimeout, HttpSecurity httpSecurity) {
    public static final String STORE = "store";
    public static final String HTTP_HOST = "http.host";
    public static final String HTTP_PORT = "http.port";
    public static final String HTTP_THREADS = "http.threads";
    public static final String STORE_TIMEOUT = "store.timeout";
    public static final String HTTP_TLS_KEYSTORE_PATH = HttpSecurity.TLS_KEYSTORE_PATH;
    public static final String HTTP_TLS_KEYSTORE_PASSWORD = HttpSecurity.TLS_KEYSTORE_PASSWORD;
    public static final String HTTP_TLS_KEYSTORE_TYPE = HttpSecurity.TLS_KEYSTORE_TYPE;
    public static final String HTTP_AUTH_TOKEN = HttpSecurity.AUTH_TOKEN;
    public static final String HTTP_AUTH_TOKEN_FILE = HttpSecurity.AUTH_TOKEN_FILE;
    public static final int DEFAULT_PORT = 8095;

    /** Every key with its default, in the order {@link #describe()} prints them. */
    public static final Map<String, String> DEFAULTS;

    static {
        Map<String, String> d = new LinkedHashMap<>();
        d.put(STORE, "");
        d.put(HTTP_HOST, "127.0.0.1");
        d.put(HTTP_PORT, Integer.toString(DEFAULT_PORT));
        d.put(HTTP_THREADS, "16");
        d.put(STORE_TIMEOUT, "5s");
        d.putAll(HttpSecurity.DEFAULTS);
        DEFAULTS = Collections.unmodifiableMap(d);
    }

    /**
     * @throws IllegalArgumentException for a value out of range; the message names the setting
     */
    public ServingConfig {
        if (store == null || store.isBlank()) throw new IllegalArgumentException(STORE + " must not be empty");
        if (httpPort < 0 || httpPort > 65_535)
            throw new IllegalArgumentException(HTTP_PORT + " out of range: " + httpPort);
        if (threads < 1 || threads > 1024)
            throw new IllegalArgumentException(HTTP_THREADS + " must be 1..1024: " + threads);
        if (storeTimeout.isNegative())
            throw new IllegalArgumentException(STORE_TIMEOUT + " is negative: " + storeTimeout);
        java.util.Objects.requireNonNull(httpSecurity, "httpSecurity");
    }

    /** Plain HTTP without a token. */
    public ServingConfig(String store, String httpHost, int httpPort, int threads, Duration storeTimeout) {
        this(store, httpHost, httpPort, threads, storeTimeout, HttpSecurity.NONE);
    }

    /** From the defaults, {@code file} (may be null), then {@code TANDEM_*} variables in {@code env}. */
    public static ServingConfig load(Path file, Map<String, String> env) {
        Settings v = Settings.load(DEFAULTS, Set.of(), file, env);
        return new ServingConfig(
                v.nonBlank(STORE),
                v.nonBlank(HTTP_HOST),
                v.integer(HTTP_PORT, 0, 65_535),
                v.integer(HTTP_THREADS, 1, 1024),
                v.duration(STORE_TIMEOUT),
                HttpSecurity.from(v));
    }

    /** Every setting as key → string, the store URL's password masked (the rest by {@link #describe()}). */
    public Map<String, String> asMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(STORE, RecommendationStores.redact(store));
        m.put(HTTP_HOST, httpHost);
        m.put(HTTP_PORT, Integer.toString(httpPort));
        m.put(HTTP_THREADS, Integer.toString(threads));
        m.put(STORE_TIMEOUT, storeTimeout.toString());
        m.putAll(httpSecurity.asMap());
        return m;
    }

    public String describe() {
        return Settings.describe("tandem serve configuration:", asMap());
    }
}
