package dev.tandem.inference.core;

/**
 * A decoded {@code model-control} command, with the record it came from (so a refused command
 * goes to {@code dead-letters} byte for byte). A Flink POJO.
 */
public final class ModelCommand implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    public enum Kind {
        LOAD,
        ACTIVATE,
        ROLLBACK,
        SHADOW,
        STOP_SHADOW
    }

    public Kind kind;
    /** Empty for ROLLBACK and STOP_SHADOW. */
    public String modelName;

    public String modelVersion;
    /** Null when the command names a version the job has already loaded. */
    public String location;

    public long issuedAtMs;
    public String commandId;
    public RawRecord source;

    public ModelCommand() {}

    public static ModelCommand of(
            Kind kind,
            String name,
            String version,
            String location,
            long issuedAtMs,
            String commandId,
            RawRecord source) {
        ModelCommand c = new ModelCommand();
        c.kind = kind;
        c.modelName = name == null ? "" : name;
        c.modelVersion = version == null ? "" : version;
        c.location = location;
        c.issuedAtMs = issuedAtMs;
        c.commandId = commandId;
        c.source = source;
        return c;
    }

    public ModelRef model() {
        return new ModelRef(modelName, modelVersion, location);
    }

    /** Whether the command names a model version (every kind except ROLLBACK and STOP_SHADOW must). */
    public boolean namesModel() {
        return modelName != null && !modelName.isBlank() && modelVersion != null && !modelVersion.isBlank();
    }

    @Override
    public String toString() {
        return kind
                + (namesModel() ? " " + modelName + "/" + modelVersion : "")
                + (location == null ? "" : " from " + location)
                + (commandId == null ? "" : " [" + commandId + "]");
    }
}
