package dev.tandem.schemas.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * The settings of one component, as strings, read the same way by every Tandem app and the CLI. Sources,
 * later wins: the component's defaults, a properties file, then environment variables named
 * {@code TANDEM_<KEY>} (key upper-cased, dots and dashes as underscores: {@code user.ttl} is
 * {@code TANDEM_USER_TTL}). Keys are lower-case and dotted, as Kafka's are.
 *
 * <p>A file key that is neither a default's key nor under a pass-through prefix (e.g. {@code streams.}) is an
 * error, because it is almost always a typo; unknown {@code TANDEM_} variables are ignored, because every
 * component reads the same environment. Typed getters fail with a {@link ConfigException} naming the key and
 * the bad value. {@link #describe} masks secrets.
 */
public final class Settings {
    public static final String ENV_PREFIX = "TANDEM_";

    private static final Set<String> SECRET_MARKERS =
            Set.of("password", "secret", "jaas", "user.info", "token", "credentials.key", "private.key");

    private static final List<String> LOCATION_SUFFIXES = List.of(".file", ".path", ".location");

    private final Map<String, String> values;

    private Settings(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    /**
     * Reads the component's settings.
     *
     * @param defaults every known key with its default, in the order {@link #describe} prints them
     * @param prefixes pass-through prefixes whose keys are accepted without a default (e.g. {@code streams.})
     * @param file     a properties file, or null
     * @param env      the environment ({@code System.getenv()})
     */
    public static Settings load(
            Map<String, String> defaults, Set<String> prefixes, Path file, Map<String, String> env) {
        Map<String, String> v = new LinkedHashMap<>(defaults);
        if (file != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException e) {
                throw new ConfigException("config file", file.toString(), "cannot be read: " + e.getMessage());
            }
            for (String k : new TreeMap<>(toMap(p)).keySet()) {
                if (!known(defaults, prefixes, k)) {
                    throw new ConfigException(
                            k,
                            null,
                            "unknown key in " + file + "; known keys: " + defaults.keySet()
                                    + (prefixes.isEmpty()
                                            ? ""
                                            : " and "
                                                    + prefixes.stream()
                                                            .sorted()
                                                            .map(s -> s + "*")
                                                            .toList()));
                }
                v.put(k, p.getProperty(k).trim());
            }
        }
        for (String k : defaults.keySet()) {
            String e = env.get(envName(k));
            if (e != null) v.put(k, e.trim());
        }
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            if (!e.getKey().startsWith(ENV_PREFIX)) continue;
            String k = e.getKey()
                    .substring(ENV_PREFIX.length())
                    .toLowerCase(Locale.ROOT)
                    .replace('_', '.');
            if (!defaults.containsKey(k) && prefixes.stream().anyMatch(k::startsWith))
                v.put(k, e.getValue().trim());
        }
        return new Settings(v);
    }

    /** Defaults overlaid with explicit values (no file, no environment); unknown keys are errors. */
    public static Settings of(Map<String, String> defaults, Set<String> prefixes, Map<String, String> overrides) {
        Map<String, String> v = new LinkedHashMap<>(defaults);
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            if (!known(defaults, prefixes, e.getKey()))
                throw new ConfigException(e.getKey(), e.getValue(), "unknown key");
            v.put(e.getKey(), e.getValue() == null ? "" : e.getValue().trim());
        }
        return new Settings(v);
    }

    /** The environment variable that overrides {@code key}. */
    public static String envName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static boolean known(Map<String, String> defaults, Set<String> prefixes, String key) {
        return defaults.containsKey(key) || prefixes.stream().anyMatch(key::startsWith);
    }

    private static Map<String, String> toMap(Properties p) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String k : p.stringPropertyNames()) m.put(k, p.getProperty(k));
        return m;
    }

    // ------------------------------------------------------------------ typed getters

    /** The value as written, possibly empty; null for a key that was never set. */
    public String string(String key) {
        return values.get(key);
    }

    public String nonBlank(String key) {
        String s = values.get(key);
        if (s == null || s.isBlank()) throw new ConfigException(key, s, "must not be empty");
        return s.trim();
    }

    /** The value, or null where it is empty: for settings whose absence means "off". */
    public String optional(String key) {
        String s = values.get(key);
        return s == null || s.isBlank() ? null : s.trim();
    }

    public int integer(String key) {
        String s = nonBlank(key);
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new ConfigException(key, s, "must be an integer");
        }
    }

    /** An integer in {@code [min, max]}. */
    public int integer(String key, int min, int max) {
        int n = integer(key);
        if (n < min || n > max)
            throw new ConfigException(key, values.get(key), "must be in [" + min + ", " + max + "]");
        return n;
    }

    public long longValue(String key) {
        String s = nonBlank(key);
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new ConfigException(key, s, "must be an integer");
        }
    }

    public boolean bool(String key) {
        String s = nonBlank(key).toLowerCase(Locale.ROOT);
        if (s.equals("true")) return true;
        if (s.equals("false")) return false;
        throw new ConfigException(key, values.get(key), "must be true or false");
    }

    /** A duration in the syntax of {@link Durations}; a bare number is milliseconds. */
    public Duration duration(String key) {
        String s = nonBlank(key);
        try {
            return Durations.parse(s, true);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key, s, "must be a duration (" + Durations.EXAMPLES + ")");
        }
    }

    public Path path(String key) {
        return Path.of(nonBlank(key));
    }

    /** A comma-separated list, items trimmed, empty items dropped. */
    public List<String> list(String key) {
        String s = values.get(key);
        if (s == null || s.isBlank()) return List.of();
        return Arrays.stream(s.split(","))
                .map(String::trim)
                .filter(t -> !t.isEmpty())
                .toList();
    }

    /** One of {@code choices} (case-insensitive, dashes and underscores alike), as its canonical spelling. */
    public String choice(String key, List<String> choices) {
        String s = nonBlank(key);
        String norm = s.toLowerCase(Locale.ROOT).replace('_', '-');
        for (String c : choices) {
            if (c.toLowerCase(Locale.ROOT).replace('_', '-').equals(norm)) return c;
        }
        throw new ConfigException(key, s, "must be one of " + choices);
    }

    /** Every key under {@code prefix}, with the prefix removed, sorted. */
    public Map<String, String> withPrefix(String prefix) {
        Map<String, String> m = new TreeMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(prefix)) m.put(k.substring(prefix.length()), v);
        });
        return m;
    }

    /** Every setting as key → value, secrets included (print with {@link #describe}). */
    public Map<String, String> asMap() {
        return values;
    }

    /** {@code title} then one {@code key = value} line per setting, secrets masked: what an app prints at start-up. */
    public static String describe(String title, Map<String, String> settings) {
        StringBuilder sb = new StringBuilder(title).append('\n');
        settings.forEach((k, v) ->
                sb.append("  ").append(k).append(" = ").append(mask(k, v)).append('\n'));
        return sb.toString();
    }

    /** The value as it may be printed: secrets as {@code ****}, a URL's {@code user:password@} masked. */
    public static String mask(String key, String value) {
        String k = key.toLowerCase(Locale.ROOT);
        // where a secret lives (http.auth.token.file, …) is not the secret, and a masked path helps no one debug
        if (LOCATION_SUFFIXES.stream().anyMatch(k::endsWith))
            return value == null ? null : value.replaceAll("(://)[^/@\\s]+@", "$1****@");
        for (String marker : SECRET_MARKERS) {
            if (k.contains(marker)) return value == null || value.isEmpty() ? "" : "****";
        }
        return value == null ? null : value.replaceAll("(://)[^/@\\s]+@", "$1****@");
    }
}
