package dev.tandem.monitoring.core;

import dev.tandem.features.codec.ByteWriter;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The outcomes of one prediction graded at once, as the figures need them: its model version, request time and
 * stages, and per candidate its probabilities, the stages reached and whether it was censored. What the outcome
 * processor sends the figures' task instead of one record per candidate, so a prediction's candidates are added to
 * a tally together, and the tally is written once, not once per candidate.
 */
public record GradedBatch(String model, String version, long requestTimeMs, List<String> stages, List<Entry> entries) {
    private static final int FORMAT_VERSION = 1;

    /** One candidate: its probability and whether it was reached, per stage; censored as in {@link Outcome}. */
    public record Entry(float[] probabilities, boolean[] reached, boolean censored) {}

    public GradedBatch {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(version, "version");
        stages = List.copyOf(stages);
        entries = List.copyOf(entries);
    }

    /**
     * The outcomes in the order given, one batch per run of outcomes of the same prediction (a grading returns a
     * prediction's candidates together).
     */
    public static List<GradedBatch> of(List<Outcome> outcomes) {
        List<GradedBatch> batches = new ArrayList<>();
        int from = 0;
        for (int i = 1; i <= outcomes.size(); i++) {
            if (i == outcomes.size()
                    || outcomes.get(i).prediction() != outcomes.get(from).prediction()) {
                batches.add(of(outcomes, from, i));
                from = i;
            }
        }
        return batches;
    }

    /** Outcomes {@code [from, to)}, all of one prediction. */
    private static GradedBatch of(List<Outcome> outcomes, int from, int to) {
        Entry[] entries = new Entry[to - from];
        for (int i = from; i < to; i++) {
            Outcome o = outcomes.get(i);
            entries[i - from] = new Entry(o.scored().probabilities(), o.reached(), o.censored());
        }
        PendingPrediction p = outcomes.get(from).prediction();
        // List.of's list is taken as is by the constructor's List.copyOf: one copy per batch, not two
        return new GradedBatch(p.modelName(), p.modelVersion(), p.requestTimeMs(), p.stages(), List.of(entries));
    }

    /**
     * {@code u8 version=1, utf model, utf version, i64 request time, u8 stages, utf stage…, i32 entries}, then per
     * entry {@code u8 censored, (f32 probability, u8 reached) per stage}.
     */
    public byte[] encode() {
        ByteWriter bytes = new ByteWriter(64 + entries.size() * (1 + 5 * stages.size()));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT_VERSION);
            out.writeUTF(model);
            out.writeUTF(version);
            out.writeLong(requestTimeMs);
            if (stages.size() > 255) throw new IllegalArgumentException("more than 255 stages");
            out.writeByte(stages.size());
            for (String s : stages) out.writeUTF(s);
            out.writeInt(entries.size());
            for (Entry e : entries) {
                out.writeByte(e.censored() ? 1 : 0);
                for (int k = 0; k < stages.size(); k++) {
                    out.writeFloat(k < e.probabilities().length ? e.probabilities()[k] : Float.NaN);
                    out.writeByte(k < e.reached().length && e.reached()[k] ? 1 : 0);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static GradedBatch decode(byte[] bytes) {
        if (bytes.length < 1 || bytes[0] != FORMAT_VERSION) {
            throw new IllegalArgumentException("not a graded batch (format " + FORMAT_VERSION + ")");
        }
        // a ByteBuffer, not a DataInputStream: the figures' task decodes one batch per graded prediction, and the
        // stream's synchronized single-byte reads were a twentieth of the app's time
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
            String model = readUtf(in);
            String version = readUtf(in);
            long requestTimeMs = in.getLong();
            int n = Byte.toUnsignedInt(in.get());
            String[] stages = new String[n];
            for (int k = 0; k < n; k++) stages[k] = readUtf(in);
            int count = in.getInt();
            if (count < 0 || (long) count * (1 + 5L * n) > in.remaining()) {
                throw new IllegalArgumentException("bad entry count " + count);
            }
            Entry[] entries = new Entry[count];
            for (int i = 0; i < count; i++) {
                boolean censored = in.get() != 0;
                float[] p = new float[n];
                boolean[] r = new boolean[n];
                for (int k = 0; k < n; k++) {
                    p[k] = in.getFloat();
                    r[k] = in.get() != 0;
                }
                entries[i] = new Entry(p, r, censored);
            }
            return new GradedBatch(model, version, requestTimeMs, List.of(stages), List.of(entries));
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("not a graded batch: truncated", e);
        }
    }

    /** What {@link DataOutputStream#writeUTF} wrote: a u16 length, then modified UTF-8 (plain ASCII read directly). */
    private static String readUtf(ByteBuffer in) {
        int length = Short.toUnsignedInt(in.getShort());
        int start = in.position();
        in.position(start + length); // past the end: IllegalArgumentException, as for any truncation
        byte[] a = in.array();
        int from = in.arrayOffset() + start;
        for (int i = from; i < from + length; i++) {
            if (a[i] < 0) return modifiedUtf8(a, from - 2, length + 2);
        }
        return new String(a, from, length, StandardCharsets.ISO_8859_1);
    }

    private static String modifiedUtf8(byte[] a, int offset, int length) {
        try {
            return new DataInputStream(new ByteArrayInputStream(a, offset, length)).readUTF();
        } catch (IOException e) {
            throw new IllegalArgumentException("not a graded batch: bad string", e);
        }
    }
}
