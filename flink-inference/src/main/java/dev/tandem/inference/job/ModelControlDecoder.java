package dev.tandem.inference.job;

import dev.tandem.inference.core.DeadLetter;
import dev.tandem.inference.core.ModelCommand;
import dev.tandem.inference.core.RawRecord;
import dev.tandem.schemas.ModelControl;
import dev.tandem.schemas.registry.RegistryClientConfig;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.topics.DeadLetterReason;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Decodes raw {@code model-control} records ({@link ModelControl}, registry wire format) into
 * {@link ModelCommand}s. A record that does not decode, or a command that names no model where it
 * must (or a LOAD without a location), goes to {@link RequestDecoder#DEAD_LETTERS} with its
 * original bytes; the job carries on.
 */
public final class ModelControlDecoder extends ProcessFunction<RawRecord, ModelCommand> {
    private final Map<String, String> registry;
    private transient TandemAvroDeserializer<ModelControl> deserializer;
    private transient Counter deadLetters;

    public ModelControlDecoder(String registryUrl) {
        this(Map.of(RegistryClientConfig.URL, Objects.requireNonNull(registryUrl, "registryUrl")));
    }

    /** @param registry the registry client's settings: {@code schema.registry.url} and any auth settings */
    public ModelControlDecoder(Map<String, String> registry) {
        this.registry = Map.copyOf(registry);
        Objects.requireNonNull(this.registry.get(RegistryClientConfig.URL), RegistryClientConfig.URL);
    }

    @Override
    public void open(OpenContext ctx) {
        deserializer =
                new TandemAvroDeserializer<>(ModelControl.class, SchemaRegistryClients.fromConfigs(registry), false);
        deadLetters = getRuntimeContext().getMetricGroup().counter(ScoringMetrics.DEAD_LETTERS);
    }

    @Override
    public void processElement(RawRecord in, Context ctx, Collector<ModelCommand> out) {
        if (in.value == null) {
            deadLetter(
                    in,
                    DeadLetterReason.NULL_VALUE,
                    new IllegalArgumentException("null value (tombstone) on " + in.topic),
                    ctx);
            return;
        }
        ModelControl c;
        try {
            c = deserializer.deserialize(in.topic, in.value);
        } catch (RuntimeException e) {
            deadLetter(in, DeadLetterReason.DESERIALIZATION, e, ctx);
            return;
        }
        if (c == null) {
            deadLetter(in, DeadLetterReason.NULL_VALUE, new IllegalArgumentException("value decodes to null"), ctx);
            return;
        }
        ModelCommand cmd = ModelCommand.of(
                ModelCommand.Kind.valueOf(c.getCommand().name()),
                str(c.getModelName()),
                str(c.getModelVersion()),
                str(c.getLocation()),
                c.getIssuedAt() == null ? 0 : c.getIssuedAt().toEpochMilli(),
                str(c.getCommandId()),
                in);
        String problem = problem(cmd);
        if (problem != null) {
            deadLetter(
                    in,
                    DeadLetterReason.INVALID_MODEL_COMMAND,
                    new IllegalArgumentException(problem + ": " + cmd),
                    ctx);
            return;
        }
        out.collect(cmd);
    }

    /** Why {@code c} cannot apply whatever the job's state, or null. */
    static String problem(ModelCommand c) {
        return switch (c.kind) {
            case ROLLBACK, STOP_SHADOW -> null;
            case LOAD ->
                !c.namesModel()
                        ? "LOAD needs a model name and version"
                        : c.location == null || c.location.isBlank() ? "LOAD needs a location" : null;
            case ACTIVATE, SHADOW -> c.namesModel() ? null : c.kind + " needs a model name and version";
        };
    }

    private static String str(CharSequence s) {
        return s == null ? null : s.toString();
    }

    private void deadLetter(RawRecord in, DeadLetterReason reason, Throwable error, Context ctx) {
        deadLetters.inc();
        ctx.output(RequestDecoder.DEAD_LETTERS, DeadLetter.of(in, reason, error));
    }
}
