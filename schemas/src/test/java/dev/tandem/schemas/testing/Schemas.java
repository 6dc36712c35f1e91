package dev.tandem.schemas.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.Schema;

/** Evolved copies of real schemas, built from their JSON. */
public final class Schemas {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Schemas() {}

    /** {@code schema} with one more top-level field, given as JSON. */
    public static Schema withField(Schema schema, String fieldJson) {
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(schema.toString());
            ((ArrayNode) root.get("fields")).add(JSON.readTree(fieldJson));
            return new Schema.Parser().parse(root.toString());
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** {@code schema} without its top-level field {@code name}. */
    public static Schema withoutField(Schema schema, String name) {
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(schema.toString());
            ArrayNode fields = (ArrayNode) root.get("fields");
            for (int i = 0; i < fields.size(); i++) {
                if (fields.get(i).get("name").asText().equals(name)) {
                    fields.remove(i);
                    break;
                }
            }
            return new Schema.Parser().parse(root.toString());
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }
}
