package dev.tandem.schemas.serde;

import org.apache.kafka.common.errors.SerializationException;

/** The record names a schema id the registry does not know (a different registry, or a lost {@code _schemas} topic). */
public class UnknownSchemaIdException extends SerializationException {
    private final int schemaId;

    public UnknownSchemaIdException(String topic, int schemaId, Throwable cause) {
        super(
                "Unknown schema id " + schemaId + " on topic '" + topic
                        + "': the schema registry has no schema with this id. Is the consumer using the registry the producer used?",
                cause);
        this.schemaId = schemaId;
    }

    public int schemaId() {
        return schemaId;
    }
}
