package dev.tandem.schemas.serde;

import org.apache.kafka.common.errors.SerializationException;

/** The record ends before its header or its Avro body does. */
public class TruncatedPayloadException extends SerializationException {
    private final int length;

    public TruncatedPayloadException(String topic, int length, String detail, Throwable cause) {
        super("Truncated payload of " + length + " byte(s) on topic '" + topic + "': " + detail, cause);
        this.length = length;
    }

    public int length() {
        return length;
    }
}
