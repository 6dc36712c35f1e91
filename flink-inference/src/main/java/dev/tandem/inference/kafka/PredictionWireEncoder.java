package dev.tandem.inference.kafka;

import dev.tandem.inference.core.FloatSlice;
import dev.tandem.schemas.CandidateScore;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.PredictionTimings;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.io.BinaryData;

/**
 * A {@link Prediction} in the Confluent wire format (magic byte, 4-byte schema id, Avro binary), written field by
 * field straight into a reused array with Avro's own primitive encoders ({@link BinaryData}) instead of through
 * {@code SpecificDatumWriter}. Why: the sink encodes one Prediction per request on the scoring thread (20 candidates ×
 * stages floats). The generic writer's per-field dispatch was a sixth of that thread's time in a JFR profile; after it,
 * Avro's {@code DirectBinaryEncoder} over a {@code ByteArrayOutputStream} still cost a third of the thread's Java
 * samples (a synchronized stream call per value). The bytes are the writer's, byte for byte
 * ({@code PredictionWireEncoderTest} compares them on random predictions), so readers see no difference; the schema id
 * is the one the registry serializer registered or looked up for the first record ({@link PredictionSerializer}).
 * Field order follows Prediction.avsc: a schema change there must change {@link #encode} (the test fails first).
 * Not thread-safe.
 */
final class PredictionWireEncoder {
    private final int headerSize;
    private byte[] buf = new byte[2048];
    private int pos;

    PredictionWireEncoder(byte[] header) {
        headerSize = header.length;
        System.arraycopy(header, 0, buf, 0, headerSize);
    }

    byte[] encode(Prediction p) {
        pos = headerSize;
        string(p.getRequestId());
        string(p.getUserId());
        string(p.getModelName());
        string(p.getModelVersion());
        if (p.getFeaturesAsOf() == null) {
            varint(0); // union branch 0: null, no bytes
        } else {
            varint(1);
            varint(p.getFeaturesAsOf().toEpochMilli());
        }
        varint(p.getRequestTime().toEpochMilli());
        List<String> stages = p.getStages();
        arrayStart(stages.size());
        for (String s : stages) string(s);
        arrayEnd(stages.size());
        List<CandidateScore> cands = p.getCandidates();
        arrayStart(cands.size());
        for (CandidateScore c : cands) {
            string(c.getItemId());
            List<Float> probs = c.getProbabilities();
            int k = probs.size();
            arrayStart(k);
            ensure(4 * k);
            if (probs instanceof FloatSlice f) {
                for (int i = 0; i < k; i++) pos += BinaryData.encodeFloat(f.getFloat(i), buf, pos);
            } else {
                for (int i = 0; i < k; i++) pos += BinaryData.encodeFloat(probs.get(i), buf, pos);
            }
            arrayEnd(k);
            Double price = c.getPrice();
            if (price == null) {
                varint(0);
            } else {
                varint(1);
                ensure(8);
                pos += BinaryData.encodeDouble(price, buf, pos);
            }
        }
        arrayEnd(cands.size());
        PredictionTimings t = p.getTimings();
        varint(t.getReceivedAt().toEpochMilli());
        varint(t.getScoredAt().toEpochMilli());
        varint(t.getQueueMicros());
        varint(t.getModelMicros());
        varint(t.getBatchRows());
        Map<String, Float> inputs = p.getUserInputs();
        int m = inputs == null ? 0 : inputs.size();
        arrayStart(m); // a map's blocks are an array's: count, (key, value)…, 0
        if (m > 0) {
            for (Map.Entry<String, Float> e : inputs.entrySet()) {
                string(e.getKey());
                ensure(4);
                pos += BinaryData.encodeFloat(e.getValue(), buf, pos);
            }
        }
        arrayEnd(m);
        return Arrays.copyOf(buf, pos);
    }

    // Avro blocks: a non-empty array is "count, items, 0", an empty one only "0" (as BinaryEncoder.setItemCount /
    // writeArrayEnd)
    private void arrayStart(int count) {
        if (count > 0) varint(count);
    }

    private void arrayEnd(int count) {
        ensure(1);
        buf[pos++] = 0;
    }

    private void varint(long v) {
        ensure(10);
        pos += BinaryData.encodeLong(v, buf, pos);
    }

    private void string(String s) {
        // item and request ids are ASCII almost always: copy the chars; anything else through the charset
        int n = s.length();
        ensure(5 + n);
        int lenAt = pos;
        int start = pos + BinaryData.encodeInt(n, buf, pos);
        int i = 0;
        for (; i < n; i++) {
            char ch = s.charAt(i);
            if (ch >= 0x80) break;
            buf[start + i] = (byte) ch;
        }
        if (i == n) {
            pos = start + n;
            return;
        }
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        pos = lenAt;
        varint(utf8.length);
        ensure(utf8.length);
        System.arraycopy(utf8, 0, buf, pos, utf8.length);
        pos += utf8.length;
    }

    private void ensure(int more) {
        if (pos + more > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + more));
    }
}
