package dev.tandem.features.streams;

import dev.tandem.schemas.Action;
import java.nio.ByteBuffer;
import java.util.Objects;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What the item processor needs of an accepted event (the item id is the key). Crosses the internal
 * repartition topic as 10 bytes: {@code u8 version=1, u8 action ordinal, i64 event time ms} — no
 * registry round trip, no Avro, and a version byte to evolve it.
 */
public record ItemEvent(Action action, long eventTimeMs) {
    public static final int FORMAT_VERSION = 1;
    private static final Action[] ACTIONS = Action.values();

    public ItemEvent {
        Objects.requireNonNull(action, "action");
    }

    public byte[] encode() {
        return ByteBuffer.allocate(10)
                .put((byte) FORMAT_VERSION)
                .put((byte) action.ordinal())
                .putLong(eventTimeMs)
                .array();
    }

    public static ItemEvent decode(byte[] b) {
        if (b.length != 10 || b[0] != FORMAT_VERSION || (b[1] & 0xFF) >= ACTIONS.length) {
            throw new SerializationException(
                    "not an ItemEvent of format version " + FORMAT_VERSION + " (" + b.length + " bytes)");
        }
        return new ItemEvent(ACTIONS[b[1] & 0xFF], ByteBuffer.wrap(b, 2, 8).getLong());
    }

    public static Serde<ItemEvent> serde() {
        Serializer<ItemEvent> ser = (topic, e) -> e == null ? null : e.encode();
        Deserializer<ItemEvent> de = (topic, b) -> b == null ? null : decode(b);
        return Serdes.serdeFrom(ser, de);
    }
}
