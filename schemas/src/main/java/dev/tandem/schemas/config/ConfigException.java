package dev.tandem.schemas.config;

/**
 * A setting that cannot be used, naming the key and the value as given, so a start-up failure points at
 * the line of the file or the environment variable to fix.
 */
public final class ConfigException extends IllegalArgumentException {
    private final String key;
    private final String value;

    public ConfigException(String key, String value, String problem) {
        super(key + (value == null ? "" : " = '" + value + "'") + ": " + problem);
        this.key = key;
        this.value = value;
    }

    public String key() {
        return key;
    }

    /** The offending value as written, or null where the key itself is the problem. */
    public String value() {
        return value;
    }
}
