package dev.tandem.schemas.http;

import dev.tandem.schemas.config.ConfigException;
import dev.tandem.schemas.config.Settings;
import dev.tandem.schemas.registry.SslContexts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * How one of the platform's HTTP servers is protected: TLS from a keystore and/or a bearer token. Every app reads
 * the same keys ({@link #DEFAULTS}, hence the same {@code TANDEM_HTTP_…} variables); both are off by default.
 *
 * @param keystore the server's key and certificate chain, or null for plain HTTP
 * @param keystorePassword the keystore's (and its key's) password; may be empty
 * @param keystoreType {@code PKCS12} (default) or {@code JKS}
 * @param token the bearer token clients must send, or null
 * @param tokenFile a file holding the token (e.g. a mounted Kubernetes secret), or null; read when the server
 *     starts, surrounding whitespace dropped
 */
public record HttpSecurity(Path keystore, String keystorePassword, String keystoreType, String token, Path tokenFile) {
    public static final String TLS_KEYSTORE_PATH = "http.tls.keystore.path";
    public static final String TLS_KEYSTORE_PASSWORD = "http.tls.keystore.password";
    public static final String TLS_KEYSTORE_TYPE = "http.tls.keystore.type";
    public static final String AUTH_TOKEN = "http.auth.token";
    public static final String AUTH_TOKEN_FILE = "http.auth.token.file";

    /** Plain HTTP, no token. */
    public static final HttpSecurity NONE = new HttpSecurity(null, "", "PKCS12", null, null);

    /** The keys with their defaults (everything off), for a component's own defaults. */
    public static final Map<String, String> DEFAULTS;

    static {
        Map<String, String> d = new LinkedHashMap<>();
        d.put(TLS_KEYSTORE_PATH, "");
        d.put(TLS_KEYSTORE_PASSWORD, "");
        d.put(TLS_KEYSTORE_TYPE, "PKCS12");
        d.put(AUTH_TOKEN, "");
        d.put(AUTH_TOKEN_FILE, "");
        DEFAULTS = Collections.unmodifiableMap(d);
    }

    public HttpSecurity {
        keystorePassword = keystorePassword == null ? "" : keystorePassword;
        keystoreType = keystoreType == null || keystoreType.isBlank() ? "PKCS12" : keystoreType.trim();
        if (token != null && token.isBlank()) token = null;
        if (token != null && tokenFile != null)
            throw new IllegalArgumentException("set " + AUTH_TOKEN + " or " + AUTH_TOKEN_FILE + ", not both");
    }

    /** From a component's settings, whose defaults include {@link #DEFAULTS}. */
    public static HttpSecurity from(Settings v) {
        String keystore = v.optional(TLS_KEYSTORE_PATH);
        String tokenFile = v.optional(AUTH_TOKEN_FILE);
        String token = v.optional(AUTH_TOKEN);
        if (token != null && tokenFile != null)
            throw new ConfigException(AUTH_TOKEN_FILE, tokenFile, "cannot be set together with " + AUTH_TOKEN);
        return new HttpSecurity(
                keystore == null ? null : Path.of(keystore),
                v.string(TLS_KEYSTORE_PASSWORD),
                v.string(TLS_KEYSTORE_TYPE),
                token,
                tokenFile == null ? null : Path.of(tokenFile));
    }

    /** The settings as key → string, secrets included (print them with {@link Settings#describe}). */
    public Map<String, String> asMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(TLS_KEYSTORE_PATH, keystore == null ? "" : keystore.toString());
        m.put(TLS_KEYSTORE_PASSWORD, keystorePassword);
        m.put(TLS_KEYSTORE_TYPE, keystoreType);
        m.put(AUTH_TOKEN, token == null ? "" : token);
        m.put(AUTH_TOKEN_FILE, tokenFile == null ? "" : tokenFile.toString());
        return m;
    }

    /** Masked as {@link Settings#describe} masks: records print every component, and this one holds secrets. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("HttpSecurity[");
        asMap().forEach((k, v) ->
                sb.append(k).append('=').append(Settings.mask(k, v)).append(", "));
        sb.setLength(sb.length() - 2);
        return sb.append(']').toString();
    }

    public boolean tls() {
        return keystore != null;
    }

    /** {@code https} or {@code http}. */
    public String scheme() {
        return tls() ? "https" : "http";
    }

    /** The server's TLS context, or null for plain HTTP. */
    public SSLContext serverContext() {
        return tls() ? SslContexts.forServer(keystore, keystorePassword, keystoreType) : null;
    }

    /**
     * A client context trusting the certificates in the server's own keystore: what instances of one app that
     * share a certificate (one Kubernetes secret) use to call each other. Null for plain HTTP.
     */
    public SSLContext peerContext() {
        return tls() ? SslContexts.trusting(keystore, keystorePassword, keystoreType) : null;
    }

    /**
     * The token clients must present, or null when none is required.
     *
     * @throws IllegalArgumentException when the token file cannot be read or is empty: an unreadable secret must
     *     not silently leave the API open
     */
    public String bearerToken() {
        if (token != null) return token;
        if (tokenFile == null) return null;
        String t;
        try {
            t = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new IllegalArgumentException(AUTH_TOKEN_FILE + " " + tokenFile + " cannot be read: " + e, e);
        }
        if (t.isEmpty()) throw new IllegalArgumentException(AUTH_TOKEN_FILE + " " + tokenFile + " is empty");
        return t;
    }
}
