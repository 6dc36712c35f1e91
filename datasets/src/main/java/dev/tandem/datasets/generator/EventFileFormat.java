package dev.tandem.datasets.generator;

import java.util.Locale;

/**
 * File formats {@code tandem generate --out} writes.
 * <ul>
 *   <li>{@code taobao}: the Taobao UserBehavior CSV ({@code user_id,item_id,category_id,behavior,unix_ts},
 *       no header, seconds), readable by {@code tandem replay --format taobao}; price, brand and
 *       session are not representable and are left out. Event ids become {@code taobao:<file>:<line>},
 *       the ids a replay of the file gives them.</li>
 *   <li>{@code events}: JSON lines with every {@code UserEvent} field ({@code event_time} as ISO-8601 UTC).</li>
 * </ul>
 */
public enum EventFileFormat {
    TAOBAO,
    EVENTS;

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
