package dev.tandem.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.registry.MockSchemaRegistry;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.testing.TestRecords;
import java.util.Arrays;
import java.util.UUID;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Bytes that are not what they should be fail with a precise, catchable exception. */
class CorruptPayloadTest {
    private final String scope = "corrupt-" + UUID.randomUUID();
    private final SchemaRegistryClient client = MockSchemaRegistry.client(scope);
    private final TandemAvroDeserializer<UserEvent> deserializer =
            new TandemAvroDeserializer<>(UserEvent.class, client, false);

    @AfterEach
    void drop() {
        MockSchemaRegistry.drop(scope);
    }

    private byte[] valid() {
        return new TandemAvroSerializer<UserEvent>(client, false).serialize("events", TestRecords.userEvent());
    }

    @Test
    void unknownMagicByteSaysWhichByte() {
        byte[] bytes = valid();
        bytes[0] = 0x7b; // '{': somebody wrote JSON
        assertThatThrownBy(() -> deserializer.deserialize("events", bytes))
                .isInstanceOf(UnknownMagicByteException.class)
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("0x7b")
                .hasMessageContaining("events")
                .satisfies(
                        e -> assertThat(((UnknownMagicByteException) e).magic()).isEqualTo((byte) 0x7b));
    }

    @Test
    void unknownSchemaIdSaysWhichId() {
        byte[] bytes = valid();
        bytes[1] = 0;
        bytes[2] = 0;
        bytes[3] = 0x30;
        bytes[4] = 0x39; // 12345
        assertThatThrownBy(() -> deserializer.deserialize("events", bytes))
                .isInstanceOf(UnknownSchemaIdException.class)
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("12345")
                .satisfies(e ->
                        assertThat(((UnknownSchemaIdException) e).schemaId()).isEqualTo(12345));
    }

    @Test
    void payloadShorterThanTheHeaderSaysItsLength() {
        assertThatThrownBy(() -> deserializer.deserialize("events", new byte[] {0, 0, 1}))
                .isInstanceOf(TruncatedPayloadException.class)
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("3 byte")
                .satisfies(e ->
                        assertThat(((TruncatedPayloadException) e).length()).isEqualTo(3));
    }

    @Test
    void bodyCutShortIsATruncatedPayload() {
        byte[] full = valid();
        byte[] cut = Arrays.copyOf(full, full.length - 10);
        assertThatThrownBy(() -> deserializer.deserialize("events", cut))
                .isInstanceOf(TruncatedPayloadException.class)
                .hasMessageContaining(cut.length + " byte");
    }

    @Test
    void aLengthPrefixLongerThanThePayloadIsTruncatedNotAnOutOfMemoryError() {
        byte[] full = valid();
        // event_id's length, the body's first varint, claims about 1 GB (zig-zag varint of 2^30)
        byte[] huge = Arrays.copyOf(full, full.length + 4);
        System.arraycopy(full, 6, huge, 10, full.length - 6);
        huge[5] = (byte) 0x80;
        huge[6] = (byte) 0x80;
        huge[7] = (byte) 0x80;
        huge[8] = (byte) 0x80;
        huge[9] = 0x08;
        assertThatThrownBy(() -> deserializer.deserialize("events", huge))
                .isInstanceOf(TruncatedPayloadException.class)
                .hasMessageContaining("1073741824 bytes claimed");
    }

    @Test
    void anItemCountLongerThanThePayloadIsTruncated() {
        TandemAvroDeserializer<Object> generic = new TandemAvroDeserializer<>(client, false, java.util.Map.of());
        byte[] full = new TandemAvroSerializer<Object>(client, false)
                .serialize(
                        "features",
                        dev.tandem.schemas.UserFeatures.newBuilder(TestRecords.userFeatures())
                                .setUserId("")
                                .build());
        // user_id "" (one byte), as_of (six bytes), sequence_version (one byte), then the events array's count
        int count = 5 + 1 + 6 + 1;
        assertThat(full[count]).as("two events").isEqualTo((byte) 4);
        byte[] huge = full.clone();
        huge[count] = (byte) 0xfe; // zig-zag 127 items in a record of a few dozen bytes
        assertThatThrownBy(() -> generic.deserialize("features", huge))
                .isInstanceOf(TruncatedPayloadException.class)
                .hasMessageContaining("items claimed");
    }

    @Test
    void aRecordOfAnotherTypeIsRefusedEvenWhenItsFieldsWouldResolve() {
        // an event has an item_id, the only ItemMetadata field without a default: Avro alone would read it as an item
        byte[] event = valid();
        TandemAvroDeserializer<dev.tandem.schemas.ItemMetadata> items =
                new TandemAvroDeserializer<>(dev.tandem.schemas.ItemMetadata.class, client, false);
        assertThatThrownBy(() -> items.deserialize("items", event))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("is a dev.tandem.schemas.UserEvent, not a dev.tandem.schemas.ItemMetadata");
    }

    @Test
    void bytesAfterTheBodyAreRefused() {
        byte[] full = valid();
        byte[] longer = Arrays.copyOf(full, full.length + 3);
        assertThatThrownBy(() -> deserializer.deserialize("events", longer))
                .isInstanceOf(TrailingBytesException.class)
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("3 byte(s) after the end")
                .satisfies(
                        e -> assertThat(((TrailingBytesException) e).trailing()).isEqualTo(3));
    }

    @Test
    void emptyPayloadIsTruncatedNotATombstone() {
        assertThatThrownBy(() -> deserializer.deserialize("events", new byte[0]))
                .isInstanceOf(TruncatedPayloadException.class)
                .hasMessageContaining("0 byte");
    }

    @Test
    void nonAvroValuesAreRefusedWithTheirType() {
        TandemAvroSerializer<Object> serializer = new TandemAvroSerializer<>(client, false);
        assertThatThrownBy(() -> serializer.serialize("events", "a string"))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("java.lang.String");
    }
}
