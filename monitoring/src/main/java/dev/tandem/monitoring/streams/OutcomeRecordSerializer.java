package dev.tandem.monitoring.streams;

import dev.tandem.features.codec.ByteWriter;
import dev.tandem.monitoring.core.Outcome;
import dev.tandem.monitoring.core.PendingPrediction;
import dev.tandem.schemas.PredictionOutcome;
import dev.tandem.schemas.serde.WireFormat;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes {@code prediction-outcomes} records in the registry's wire format straight from the grader's values: the
 * Avro binary of {@link PredictionOutcome}, byte for byte what {@code avro} writes, without building the record or
 * walking its schema. Outcomes are the monitoring app's largest output (one per candidate), and Avro's generic writer
 * (the schema has logical types, so no generated coder) was a tenth of its time; a prediction's fields shared by its
 * candidates are encoded once.
 *
 * <p>The first record of each topic goes through {@code avro}, which registers or looks up the schema as configured,
 * and is written both ways: the direct encoding is used for that topic only if the bytes are identical. Where they
 * differ (say {@code use.latest.version} with a newer schema in the registry) every record goes through {@code avro}.
 * Thread-safe, as a shared serde must be.
 */
public final class OutcomeRecordSerializer implements Serializer<OutcomeOutput> {
    private static final Logger LOG = LoggerFactory.getLogger(OutcomeRecordSerializer.class);
    private static final byte[] VIA_AVRO = new byte[0];

    private final Serializer<PredictionOutcome> avro;
    /** Per topic: the wire header to write records directly with, or {@link #VIA_AVRO}. */
    private final Map<String, byte[]> headers = new ConcurrentHashMap<>();

    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    /** What one thread reuses: the buffer, and the encoded fields of the prediction it wrote last. */
    private static final class Scratch {
        final ByteWriter out = new ByteWriter(256);
        PendingPrediction prediction;
        String userId;
        /** request_id, user_id, model_name, model_version, request_time: the fields before item_id. */
        byte[] head;
        /** The stages array. */
        byte[] stages;
    }

    public OutcomeRecordSerializer(Serializer<PredictionOutcome> avro) {
        this.avro = Objects.requireNonNull(avro, "avro");
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        avro.configure(configs, isKey);
        headers.clear();
    }

    /**
     * @param output an {@link OutcomeOutput.Record}: the outcome processor forwards only those to the outcomes sink
     * @throws ClassCastException for another kind of output
     */
    @Override
    public byte[] serialize(String topic, OutcomeOutput output) {
        if (output == null) return null;
        OutcomeOutput.Record r = (OutcomeOutput.Record) output;
        byte[] header = headers.get(topic);
        if (header == null) return first(topic, r);
        if (header == VIA_AVRO) return avro.serialize(topic, r.toAvro());
        return encode(header, r);
    }

    private byte[] first(String topic, OutcomeOutput.Record r) {
        byte[] viaAvro = avro.serialize(topic, r.toAvro());
        byte[] header = Arrays.copyOf(viaAvro, WireFormat.HEADER_SIZE);
        boolean same = Arrays.equals(viaAvro, encode(header, r));
        if (!same) {
            LOG.info(
                    "outcomes to '{}' are written through Avro's writer: the schema the serializer writes with is not"
                            + " this build's PredictionOutcome",
                    topic);
        }
        headers.putIfAbsent(topic, same ? header : VIA_AVRO);
        return viaAvro;
    }

    /** Whether records to {@code topic} are written directly (known after its first record). */
    boolean writesDirectly(String topic) {
        byte[] header = headers.get(topic);
        return header != null && header != VIA_AVRO;
    }

    /** The wire header, then the fields in the schema's order. */
    byte[] encode(byte[] header, OutcomeOutput.Record r) {
        Scratch s = scratch.get();
        Outcome o = r.outcome();
        PendingPrediction p = o.prediction();
        if (p != s.prediction || !r.userId().equals(s.userId)) {
            ByteWriter head = new ByteWriter(64);
            writeString(head, p.requestId());
            writeString(head, r.userId());
            writeString(head, p.modelName());
            writeString(head, p.modelVersion());
            writeLong(head, p.requestTimeMs());
            s.head = head.toByteArray();
            ByteWriter stages = new ByteWriter(32);
            writeCount(stages, p.stages().size());
            for (String stage : p.stages()) writeString(stages, stage);
            endArray(stages);
            s.stages = stages.toByteArray();
            s.prediction = p;
            s.userId = r.userId();
        }
        ByteWriter out = s.out;
        out.reset();
        out.write(header, 0, header.length);
        out.write(s.head, 0, s.head.length);
        writeString(out, o.scored().itemId());
        out.write(s.stages, 0, s.stages.length);
        float[] probabilities = o.scored().probabilities();
        writeCount(out, probabilities.length);
        for (float f : probabilities) {
            int bits = Float.floatToRawIntBits(f);
            out.write(bits);
            out.write(bits >>> 8);
            out.write(bits >>> 16);
            out.write(bits >>> 24);
        }
        endArray(out);
        boolean[] reached = o.reached();
        writeCount(out, reached.length);
        for (boolean b : reached) out.write(b ? 1 : 0);
        endArray(out);
        out.write(o.censored() ? 1 : 0);
        writeLong(out, r.horizonMs());
        writeLong(out, o.gradedAtMs());
        out.write(p.shadow() ? 1 : 0);
        return out.toByteArray();
    }

    /** Avro's long: zig-zag, then LEB128. */
    private static void writeLong(ByteWriter out, long v) {
        out.writeVarLong((v << 1) ^ (v >> 63));
    }

    /** An array's one block of {@code n} items starts (nothing for none: the end marker alone is an empty array). */
    private static void writeCount(ByteWriter out, int n) {
        if (n > 0) writeLong(out, n);
    }

    private static void endArray(ByteWriter out) {
        out.write(0);
    }

    private static void writeString(ByteWriter out, String v) {
        byte[] b = v.getBytes(StandardCharsets.UTF_8);
        writeLong(out, b.length);
        out.write(b, 0, b.length);
    }

    @Override
    public void close() {
        avro.close();
    }
}
