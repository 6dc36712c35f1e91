package dev.tandem.schemas.serde;

/** Confluent's wire format: magic byte 0, schema id as a 4-byte big-endian int, then Avro binary. */
public final class WireFormat {
    public static final byte MAGIC_BYTE = 0x0;
    public static final int HEADER_SIZE = 5;

    private WireFormat() {}

    static byte[] header(int schemaId) {
        return new byte[] {
            MAGIC_BYTE, (byte) (schemaId >>> 24), (byte) (schemaId >>> 16), (byte) (schemaId >>> 8), (byte) schemaId
        };
    }

    /** The schema id of a wire-format payload, checking its magic byte and length. */
    public static int schemaId(String topic, byte[] payload) {
        if (payload.length < HEADER_SIZE) {
            throw new TruncatedPayloadException(
                    topic,
                    payload.length,
                    "shorter than the " + HEADER_SIZE + "-byte header (magic byte and schema id)",
                    null);
        }
        if (payload[0] != MAGIC_BYTE) throw new UnknownMagicByteException(topic, payload[0]);
        return ((payload[1] & 0xff) << 24)
                | ((payload[2] & 0xff) << 16)
                | ((payload[3] & 0xff) << 8)
                | (payload[4] & 0xff);
    }
}
