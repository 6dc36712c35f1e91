package dev.tandem.schemas.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * Bytes follow the end of the Avro body: the record is longer than its writer schema says. Our serializer never
 * writes such a record, so the payload is corrupt (or two payloads were concatenated), and reading it as its first
 * part would accept data nobody wrote.
 */
public class TrailingBytesException extends SerializationException {
    private final int trailing;

    public TrailingBytesException(String topic, int length, int trailing, int schemaId) {
        super("Payload of " + length + " byte(s) on topic '" + topic + "' has " + trailing
                + " byte(s) after the end of its Avro body (writer schema id " + schemaId + ")");
        this.trailing = trailing;
    }

    public int trailing() {
        return trailing;
    }
}
