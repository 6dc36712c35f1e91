package dev.tandem.monitoring.core;

import dev.tandem.features.codec.ByteWriter;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes, 1, bytes.length - 1))) {
            String model = in.readUTF();
            String version = in.readUTF();
            long requestTimeMs = in.readLong();
            int n = in.readUnsignedByte();
            List<String> stages = new ArrayList<>(n);
            for (int k = 0; k < n; k++) stages.add(in.readUTF());
            int count = in.readInt();
            if (count < 0) throw new IllegalArgumentException("negative entry count");
            List<Entry> entries = new ArrayList<>(Math.min(count, 1 << 16));
            for (int i = 0; i < count; i++) {
                boolean censored = in.readByte() != 0;
                float[] p = new float[n];
                boolean[] r = new boolean[n];
                for (int k = 0; k < n; k++) {
                    p[k] = in.readFloat();
                    r[k] = in.readByte() != 0;
                }
                entries.add(new Entry(p, r, censored));
            }
            return new GradedBatch(model, version, requestTimeMs, stages, entries);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a graded batch", e);
        }
    }
}
