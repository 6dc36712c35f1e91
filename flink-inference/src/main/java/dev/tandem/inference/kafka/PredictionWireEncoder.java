package dev.tandem.inference.kafka;

import dev.tandem.schemas.CandidateScore;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.PredictionTimings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * A {@link Prediction} in the Confluent wire format (magic byte, 4-byte schema id, Avro binary), written field by
 * field with Avro's own {@link BinaryEncoder} instead of through {@code SpecificDatumWriter}. Why: the sink encodes
 * one Prediction per request on the scoring thread (20 candidates × stages floats), and the generic writer's
 * per-field dispatch was a sixth of that thread's time in a JFR profile. The bytes are the writer's, byte for byte
 * ({@code PredictionWireEncoderTest} compares them on random predictions), so readers see no difference; the schema id
 * is the one the registry serializer registered or looked up for the first record ({@link PredictionSerializer}).
 * Field order follows Prediction.avsc: a schema change there must change {@link #writeBody} (the test fails first).
 */
final class PredictionWireEncoder {
    private final byte[] header;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    private BinaryEncoder enc;

    PredictionWireEncoder(byte[] header) {
        this.header = header.clone();
    }

    byte[] encode(Prediction p) {
        out.reset();
        out.write(header, 0, header.length);
        enc = EncoderFactory.get().directBinaryEncoder(out, enc);
        try {
            writeBody(p, enc);
            enc.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static void writeBody(Prediction p, BinaryEncoder e) throws IOException {
        e.writeString(p.getRequestId());
        e.writeString(p.getUserId());
        e.writeString(p.getModelName());
        e.writeString(p.getModelVersion());
        if (p.getFeaturesAsOf() == null) {
            e.writeIndex(0);
            e.writeNull();
        } else {
            e.writeIndex(1);
            e.writeLong(p.getFeaturesAsOf().toEpochMilli());
        }
        e.writeLong(p.getRequestTime().toEpochMilli());
        List<String> stages = p.getStages();
        e.writeArrayStart();
        e.setItemCount(stages.size());
        for (String s : stages) {
            e.startItem();
            e.writeString(s);
        }
        e.writeArrayEnd();
        List<CandidateScore> cands = p.getCandidates();
        e.writeArrayStart();
        e.setItemCount(cands.size());
        for (CandidateScore c : cands) {
            e.startItem();
            e.writeString(c.getItemId());
            List<Float> probs = c.getProbabilities();
            e.writeArrayStart();
            e.setItemCount(probs.size());
            for (int i = 0, n = probs.size(); i < n; i++) {
                e.startItem();
                e.writeFloat(probs.get(i));
            }
            e.writeArrayEnd();
        }
        e.writeArrayEnd();
        PredictionTimings t = p.getTimings();
        e.writeLong(t.getReceivedAt().toEpochMilli());
        e.writeLong(t.getScoredAt().toEpochMilli());
        e.writeLong(t.getQueueMicros());
        e.writeLong(t.getModelMicros());
        e.writeInt(t.getBatchRows());
    }
}
