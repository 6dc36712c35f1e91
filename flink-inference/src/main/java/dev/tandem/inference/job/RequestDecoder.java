package dev.tandem.inference.job;

import dev.tandem.inference.core.DeadLetter;
import dev.tandem.inference.core.DeadLetterReason;
import dev.tandem.inference.core.RawRecord;
import dev.tandem.inference.core.RequestValidator;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.registry.RegistryClientConfig;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Decodes raw {@code scoring-requests} records (Confluent wire-format Avro through our registry)
 * and validates them ({@link RequestValidator}). A record that does not decode or is invalid goes
 * to the {@link #DEAD_LETTERS} side output with its original bytes and the reason; processing
 * continues.
 */
public final class RequestDecoder extends ProcessFunction<RawRecord, ScoringRequest> {
    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

    private final String registryUrl;
    private final int maxIdLength;
    private transient TandemAvroDeserializer<ScoringRequest> deserializer;
    private transient RequestValidator validator;
    private transient Counter deadLetters;

    public RequestDecoder(String registryUrl, int maxIdLength) {
        this.registryUrl = Objects.requireNonNull(registryUrl, "registryUrl");
        this.maxIdLength = maxIdLength;
        new RequestValidator(maxIdLength); // fail on the client, not in the job
    }

    @Override
    public void open(OpenContext ctx) {
        deserializer = new TandemAvroDeserializer<>(ScoringRequest.class,
                SchemaRegistryClients.fromConfigs(Map.of(RegistryClientConfig.URL, registryUrl)), false);
        validator = new RequestValidator(maxIdLength);
        deadLetters = getRuntimeContext().getMetricGroup().counter(ScoringMetrics.DEAD_LETTERS);
    }

    @Override
    public void processElement(RawRecord in, Context ctx, Collector<ScoringRequest> out) {
        if (in.value == null) {
            deadLetter(in, DeadLetterReason.NULL_VALUE, new IllegalArgumentException("null value (tombstone) on " + in.topic), ctx);
            return;
        }
        ScoringRequest r;
        try {
            r = deserializer.deserialize(in.topic, in.value);
        } catch (RuntimeException e) {
            deadLetter(in, DeadLetterReason.DESERIALIZATION, e, ctx);
            return;
        }
        if (r == null) {
            deadLetter(in, DeadLetterReason.NULL_VALUE, new IllegalArgumentException("value decodes to null"), ctx);
            return;
        }
        try {
            validator.validate(r);
        } catch (RequestValidator.InvalidRequestException e) {
            deadLetter(in, e.reason(), e, ctx);
            return;
        }
        out.collect(r);
    }

    private void deadLetter(RawRecord in, DeadLetterReason reason, Throwable error, Context ctx) {
        deadLetters.inc();
        ctx.output(DEAD_LETTERS, DeadLetter.of(in, reason, error));
    }
}
