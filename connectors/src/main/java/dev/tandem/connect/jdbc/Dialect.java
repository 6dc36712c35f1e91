package dev.tandem.connect.jdbc;

import java.util.Locale;

/** The two stores the JDBC sink supports; both take the same {@code INSERT ... ON CONFLICT} statements. */
public enum Dialect {
    POSTGRESQL("jdbc:postgresql:"),
    SQLITE("jdbc:sqlite:");

    private final String prefix;

    Dialect(String prefix) {
        this.prefix = prefix;
    }

    public String prefix() {
        return prefix;
    }

    /** @throws IllegalArgumentException for any other URL */
    public static Dialect of(String url) {
        String lower = url == null ? "" : url.trim().toLowerCase(Locale.ROOT);
        for (Dialect d : values()) {
            if (lower.startsWith(d.prefix)) return d;
        }
        throw new IllegalArgumentException("not a jdbc:postgresql: or jdbc:sqlite: URL");
    }
}
