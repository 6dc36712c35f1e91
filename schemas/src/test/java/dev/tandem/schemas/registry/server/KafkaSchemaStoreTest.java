package dev.tandem.schemas.registry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.registry.CompatibilityLevel;
import org.junit.jupiter.api.Test;

/**
 * The record format of the {@code _schemas} topic. The store on a real broker (restart keeps every
 * id) is tested in testkit, which owns the embedded broker.
 */
class KafkaSchemaStoreTest {
    @Test
    void encodingRoundTripsAndUsesOneKeyPerSubjectVersionForCompaction() {
        var entry = new StoreRecord.SchemaEntry(
                "s", 2, 5, UserEvent.getClassSchema().toString(), false);
        byte[][] kv = KafkaSchemaStore.encode(entry);
        assertThat(KafkaSchemaStore.decode(kv[0], kv[1])).isEqualTo(entry);
        assertThat(KafkaSchemaStore.encode(entry.asDeleted())[0]).isEqualTo(kv[0]);
        var global = new StoreRecord.ConfigEntry(null, CompatibilityLevel.FULL);
        byte[][] g = KafkaSchemaStore.encode(global);
        assertThat(KafkaSchemaStore.decode(g[0], g[1])).isEqualTo(global);
        // Key types we do not write (Confluent's NOOP, for one) and tombstones are skipped.
        assertThat(KafkaSchemaStore.decode("{\"keytype\":\"NOOP\",\"magic\":0}".getBytes(), "{}".getBytes()))
                .isNull();
        assertThat(KafkaSchemaStore.decode(kv[0], null)).isNull();
    }
}
