package dev.tandem.schemas.registry;

/**
 * An error answered by a schema registry (or raised by our in-process one), with the HTTP
 * status and Confluent's error code so callers can tell "not registered" from "incompatible"
 * from "registry down" without parsing messages.
 */
public class SchemaRegistryException extends RuntimeException {
    public static final int SUBJECT_NOT_FOUND = 40401;
    public static final int VERSION_NOT_FOUND = 40402;
    public static final int SCHEMA_NOT_FOUND = 40403;
    public static final int SUBJECT_SOFT_DELETED = 40404;
    public static final int SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED = 40408;
    public static final int INCOMPATIBLE_SCHEMA = 409;
    public static final int INVALID_SCHEMA = 42201;
    public static final int INVALID_VERSION = 42202;
    public static final int INVALID_COMPATIBILITY_LEVEL = 42203;
    public static final int UNAUTHORIZED = 401;
    public static final int INTERNAL_SERVER_ERROR = 50001;
    public static final int OPERATION_TIMEOUT = 50002;
    /** Not a Confluent code: the registry could not be reached at all (status 0). */
    public static final int UNREACHABLE = -1;

    private final int status;
    private final int errorCode;

    public SchemaRegistryException(int status, int errorCode, String message) {
        this(status, errorCode, message, null);
    }

    public SchemaRegistryException(int status, int errorCode, String message, Throwable cause) {
        super(message + " (HTTP " + status + ", error code " + errorCode + ")", cause);
        this.status = status;
        this.errorCode = errorCode;
    }

    /** The HTTP status; 0 when no response was received. */
    public int status() {
        return status;
    }

    /** Confluent's error code, e.g. 40401; equals the status when the server gave none. */
    public int errorCode() {
        return errorCode;
    }

    /** The message as the registry worded it, without our status suffix. */
    public String registryMessage() {
        String m = getMessage();
        int i = m.lastIndexOf(" (HTTP ");
        return i < 0 ? m : m.substring(0, i);
    }

    public static SchemaRegistryException subjectNotFound(String subject) {
        return new SchemaRegistryException(404, SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
    }

    public static SchemaRegistryException versionNotFound(String subject, Object version) {
        return new SchemaRegistryException(
                404, VERSION_NOT_FOUND, "Version " + version + " not found for subject '" + subject + "'.");
    }

    public static SchemaRegistryException schemaNotFound(String what) {
        return new SchemaRegistryException(404, SCHEMA_NOT_FOUND, "Schema " + what + " not found.");
    }

    public static SchemaRegistryException invalidSchema(String detail) {
        return new SchemaRegistryException(422, INVALID_SCHEMA, "Invalid schema: " + detail);
    }

    public static SchemaRegistryException invalidVersion(String version) {
        return new SchemaRegistryException(
                422,
                INVALID_VERSION,
                "The specified version '" + version + "' is not a valid version id. "
                        + "Allowed values are between [1, 2^31-1] and the string \"latest\"");
    }

    public static SchemaRegistryException invalidCompatibilityLevel(String level) {
        return new SchemaRegistryException(
                422,
                INVALID_COMPATIBILITY_LEVEL,
                "Invalid compatibility level. Valid values are none, backward, forward, full, "
                        + "backward_transitive, forward_transitive, and full_transitive; got '" + level + "'");
    }
}
