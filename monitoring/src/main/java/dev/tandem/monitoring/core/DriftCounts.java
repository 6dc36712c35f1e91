package dev.tandem.monitoring.core;

import static dev.tandem.monitoring.core.Varints.count;
import static dev.tandem.monitoring.core.Varints.readString;
import static dev.tandem.monitoring.core.Varints.readVarLong;
import static dev.tandem.monitoring.core.Varints.writeString;

import dev.tandem.features.codec.ByteWriter;
import dev.tandem.features.drift.DriftBins;
import dev.tandem.features.drift.DriftReference;
import dev.tandem.features.eval.ScoreHistogram;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one model version's predictions looked like over one window, as read (before grading): per stage, its
 * probabilities in a {@link ScoreHistogram} (every one counted as a negative: no label is known; what the expected
 * AUC and base rate are computed from, for every version); and, for a version with a {@link DriftReference}, counted
 * into its bins: per stage, the probabilities; per watched feature, its values (the reference's missing slot
 * included). Mergeable like the score histograms: a task's partial counts add into the window's, windows into the
 * total. Not thread-safe.
 *
 * <p>Bytes (format 2): {@code u8 version, varint nScores, per stage (str name, varint slots, varlong count…),
 * varint nFeatures, the same per feature, varint nRead, per stage (str name, varint length, ScoreHistogram
 * bytes)}: a few hundred bytes to a few KB (a stage's histogram writes only its occupied buckets). Format 1 (no
 * histograms, written before the expected AUC) is still read.
 */
public final class DriftCounts {
    private static final int FORMAT_VERSION = 2;
    private static final int FORMAT_WITHOUT_READ = 1;

    private final Map<String, long[]> scores = new LinkedHashMap<>();
    private final Map<String, long[]> features = new LinkedHashMap<>();
    private final Map<String, ScoreHistogram> read = new LinkedHashMap<>();

    /**
     * Adds one probability of {@code stage} as read, with or without a reference, to the stage's histogram (as a
     * negative: its label is not known). NaN is ignored.
     */
    public void addRead(String stage, float probability) {
        if (Float.isNaN(probability)) return;
        read.computeIfAbsent(stage, s -> new ScoreHistogram()).add(probability, false);
    }

    /** Counts one probability of {@code stage}; a stage the reference does not bin is ignored. */
    public void addScore(DriftReference reference, String stage, double probability) {
        add(scores, stage, reference.scores().get(stage), probability);
    }

    /** Counts one value of {@code feature} (NaN: missing); a feature the reference does not bin is ignored. */
    public void addFeature(DriftReference reference, String feature, double value) {
        add(features, feature, reference.features().get(feature), value);
    }

    private static void add(Map<String, long[]> into, String name, DriftBins bins, double value) {
        if (bins == null) return;
        long[] c = into.get(name);
        if (c == null || c.length != bins.width()) {
            c = new long[bins.width()];
            into.put(name, c);
        }
        c[bins.bin(value)]++;
    }

    /**
     * Adds {@code other}'s counts into these; returns this. A dimension binned differently (its card replaced by
     * another with other bins: versions are meant to be immutable) starts again from {@code other}'s counts.
     */
    public DriftCounts merge(DriftCounts other) {
        mergeInto(scores, other.scores);
        mergeInto(features, other.features);
        other.read.forEach((stage, h) ->
                read.computeIfAbsent(stage, s -> new ScoreHistogram()).merge(h));
        return this;
    }

    private static void mergeInto(Map<String, long[]> into, Map<String, long[]> from) {
        from.forEach((name, c) -> {
            long[] mine = into.get(name);
            if (mine == null || mine.length != c.length) {
                into.put(name, c.clone());
            } else {
                for (int i = 0; i < c.length; i++) mine[i] += c[i];
            }
        });
    }

    /** Stage → counts per slot (the reference's bins, then missing). */
    public Map<String, long[]> scores() {
        return Collections.unmodifiableMap(scores);
    }

    /** Feature → counts per slot. */
    public Map<String, long[]> features() {
        return Collections.unmodifiableMap(features);
    }

    /**
     * Stage → the histogram of its probabilities as read (labels unknown: every one a negative), so only the
     * figures that ignore labels mean anything: {@link ScoreHistogram#count()}, {@link ScoreHistogram#expectedAuc()},
     * {@link ScoreHistogram#meanPrediction()}.
     */
    public Map<String, ScoreHistogram> read() {
        return Collections.unmodifiableMap(read);
    }

    public boolean isEmpty() {
        return scores.isEmpty() && features.isEmpty() && read.isEmpty();
    }

    public static long total(long[] counts) {
        long n = 0;
        for (long c : counts) n += c;
        return n;
    }

    public byte[] encode() {
        ByteWriter out = new ByteWriter(128);
        out.write(FORMAT_VERSION);
        write(out, scores);
        write(out, features);
        out.writeVarLong(read.size());
        read.forEach((stage, h) -> {
            writeString(out, stage);
            byte[] b = h.encode();
            out.writeVarLong(b.length);
            out.write(b, 0, b.length);
        });
        return out.toByteArray();
    }

    private static void write(ByteWriter out, Map<String, long[]> m) {
        out.writeVarLong(m.size());
        m.forEach((name, c) -> {
            writeString(out, name);
            out.writeVarLong(c.length);
            for (long x : c) out.writeVarLong(x);
        });
    }

    /** @throws IllegalArgumentException for an unknown version, truncated, trailing or corrupt bytes */
    public static DriftCounts decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            int version = in.get() & 0xff;
            if (version != FORMAT_VERSION && version != FORMAT_WITHOUT_READ)
                throw new IllegalArgumentException("unknown drift counts format " + version);
            DriftCounts d = new DriftCounts();
            read(in, d.scores);
            read(in, d.features);
            if (version == FORMAT_VERSION) {
                int n = count(in);
                for (int i = 0; i < n; i++) {
                    String stage = readString(in);
                    byte[] b = new byte[count(in)];
                    in.get(b);
                    d.read.put(stage, ScoreHistogram.decode(b));
                }
            }
            if (in.hasRemaining()) throw new IllegalArgumentException(in.remaining() + " trailing bytes");
            return d;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated drift counts", e);
        }
    }

    private static void read(ByteBuffer in, Map<String, long[]> into) {
        int n = count(in);
        for (int i = 0; i < n; i++) {
            String name = readString(in);
            long[] c = new long[count(in)];
            for (int j = 0; j < c.length; j++) {
                c[j] = readVarLong(in);
                if (c[j] < 0) throw new IllegalArgumentException("negative count");
            }
            into.put(name, c);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DriftCounts d
                && same(scores, d.scores)
                && same(features, d.features)
                && read.equals(d.read);
    }

    private static boolean same(Map<String, long[]> a, Map<String, long[]> b) {
        if (!a.keySet().equals(b.keySet())) return false;
        for (Map.Entry<String, long[]> e : a.entrySet()) {
            if (!Arrays.equals(e.getValue(), b.get(e.getKey()))) return false;
        }
        return true;
    }

    @Override
    public int hashCode() {
        return (scores.keySet().hashCode() * 31 + features.keySet().hashCode()) * 31
                + read.keySet().hashCode();
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("DriftCounts{");
        scores.forEach(
                (k, v) -> s.append(k).append('=').append(Arrays.toString(v)).append(' '));
        features.forEach(
                (k, v) -> s.append(k).append('=').append(Arrays.toString(v)).append(' '));
        read.forEach((k, v) ->
                s.append("read ").append(k).append('=').append(v.count()).append(' '));
        return s.append('}').toString();
    }
}
