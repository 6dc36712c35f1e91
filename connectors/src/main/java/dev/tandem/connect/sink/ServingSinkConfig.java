package dev.tandem.connect.sink;

import dev.tandem.connect.serving.Objective;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * The keys every serving sink shares (how candidates are ranked, how a store outage is retried); each sink's own
 * config adds its store's keys to {@link #common()}. Validated at create time, so a bad value fails the connector's
 * creation naming the key instead of failing its tasks later.
 */
public class ServingSinkConfig extends AbstractConfig {
    public static final String OBJECTIVE = "objective";
    public static final String MISSING_PRICE = "objective.missing.price";
    public static final String MAX_ITEMS = "max.items";
    public static final String RETRY_BACKOFF_MS = "store.retry.backoff.ms";
    public static final String RETRY_MAX_BACKOFF_MS = "store.retry.max.backoff.ms";
    /** The registry for values the sink decodes itself (the connector's {@code value.converter} passes bytes). */
    public static final String REGISTRY_URL = "schema.registry.url";

    static final String BYTE_ARRAY_CONVERTER = "org.apache.kafka.connect.converters.ByteArrayConverter";

    private static final String GROUP = "Ranking";
    private static final String RETRY_GROUP = "Store outages";
    private static final String BYTES_GROUP = "Raw values";

    public static ConfigDef common() {
        return new ConfigDef()
                .define(
                        OBJECTIVE,
                        Type.STRING,
                        "probability:PURCHASE",
                        (name, value) -> {
                            try {
                                Objective.parse((String) value, 0);
                            } catch (IllegalArgumentException e) {
                                throw new ConfigException(name, value, e.getMessage());
                            }
                        },
                        Importance.HIGH,
                        "What candidates are ranked by: probability:STAGE (P(reach STAGE | shown)) or"
                                + " expected-value:STAGE (that probability times the candidate's price).",
                        GROUP,
                        1,
                        ConfigDef.Width.MEDIUM,
                        "Objective")
                .define(
                        MISSING_PRICE,
                        Type.DOUBLE,
                        0.0,
                        ConfigDef.Range.atLeast(0.0),
                        Importance.LOW,
                        "The price an expected-value objective assumes for a candidate whose price is unknown.",
                        GROUP,
                        2,
                        ConfigDef.Width.SHORT,
                        "Missing price")
                .define(
                        MAX_ITEMS,
                        Type.INT,
                        100,
                        ConfigDef.Range.atLeast(0),
                        Importance.MEDIUM,
                        "How many ranked candidates are stored per user (0: all of them).",
                        GROUP,
                        3,
                        ConfigDef.Width.SHORT,
                        "Items kept")
                .define(
                        RETRY_BACKOFF_MS,
                        Type.LONG,
                        200L,
                        ConfigDef.Range.atLeast(1),
                        Importance.LOW,
                        "First wait before a batch is retried after the store failed; doubles per failure.",
                        RETRY_GROUP,
                        1,
                        ConfigDef.Width.SHORT,
                        "Retry backoff")
                .define(
                        RETRY_MAX_BACKOFF_MS,
                        Type.LONG,
                        10_000L,
                        ConfigDef.Range.atLeast(1),
                        Importance.LOW,
                        "Longest wait between retries while the store is down. The task keeps retrying (never"
                                + " skipping a batch) and commits no offset beyond what the store holds.",
                        RETRY_GROUP,
                        2,
                        ConfigDef.Width.SHORT,
                        "Retry max backoff")
                .define(
                        REGISTRY_URL,
                        Type.STRING,
                        null,
                        Importance.MEDIUM,
                        "With value.converter=" + BYTE_ARRAY_CONVERTER + " the sink decodes the registry's wire"
                                + " format itself through this registry (the converter's schema.registry.* and"
                                + " basic.auth.* keys apply), skipping Connect's data model: about half the CPU per"
                                + " record of TandemAvroConverter. Required with that converter, unused otherwise.",
                        BYTES_GROUP,
                        1,
                        ConfigDef.Width.LONG,
                        "Schema registry URL");
    }

    public ServingSinkConfig(ConfigDef def, Map<?, ?> originals) {
        super(def, originals);
        if (BYTE_ARRAY_CONVERTER.equals(originals.get("value.converter")) && getString(REGISTRY_URL) == null) {
            throw new ConfigException(
                    REGISTRY_URL,
                    null,
                    "value.converter=" + BYTE_ARRAY_CONVERTER + " hands the sink raw bytes: it needs the registry"
                            + " to decode them");
        }
    }

    public Objective objective() {
        return Objective.parse(getString(OBJECTIVE), getDouble(MISSING_PRICE));
    }

    public int maxItems() {
        return getInt(MAX_ITEMS);
    }

    /** The wait before retry number {@code failures} (1, 2, ...): exponential, capped. */
    public long backoffMs(int failures) {
        long first = getLong(RETRY_BACKOFF_MS), max = getLong(RETRY_MAX_BACKOFF_MS);
        int shift = Math.min(Math.max(failures - 1, 0), 30);
        return Math.min(max, first << shift);
    }
}
