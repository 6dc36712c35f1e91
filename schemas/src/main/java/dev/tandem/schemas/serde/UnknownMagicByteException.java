package dev.tandem.schemas.serde;

import org.apache.kafka.common.errors.SerializationException;

/** The first byte was not Confluent's magic byte 0: the bytes are not in the wire format (plain Avro, JSON, another serde). */
public class UnknownMagicByteException extends SerializationException {
    private final byte magic;

    public UnknownMagicByteException(String topic, byte magic) {
        super(String.format(
                "Unknown magic byte 0x%02x on topic '%s': expected 0x00 (Confluent wire format: "
                        + "magic byte, 4-byte schema id, Avro binary). Was this record written by another serializer?",
                magic & 0xff, topic));
        this.magic = magic;
    }

    public byte magic() {
        return magic;
    }
}
