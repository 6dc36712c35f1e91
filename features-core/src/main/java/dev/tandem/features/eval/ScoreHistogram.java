package dev.tandem.features.eval;

import dev.tandem.features.codec.ByteWriter;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The predictions of one stage and their labels, summarised in a fixed amount of memory so that any two
 * summaries merge (windows into a total, one partition's into another's) and the figures of
 * {@link Evaluation} still come out of it: what online grading keeps per model version, stage and window.
 *
 * <p>What it keeps, per label (positive, negative):
 * <ul>
 *   <li>counts in {@value #BUCKETS} buckets of equal width in log-odds over [logit(ε), logit(1 − ε)]
 *       (ε = {@link Evaluation#EPS}, where {@link Evaluation#logloss} clips): ~0.032 logits per bucket, so a
 *       probability keeps about 3 % relative resolution whether it is 0.5 or 10⁻⁵, where equal widths in
 *       probability would put every rare-stage prediction in the first bucket;</li>
 *   <li>the exact sums of the log loss terms, clipped as {@link Evaluation#logloss} clips;</li>
 *   <li>the {@value #RELIABILITY_BINS} equal-width calibration bins of {@link Evaluation#calibration} (count,
 *       positives, sum of predictions), binned by the same expression.</li>
 * </ul>
 *
 * <p>How close to {@link Evaluation}'s figures on the same predictions: positives, negatives, the calibration
 * table and ECE are the same numbers (sums up to floating-point order); log loss is the exact mean of the same
 * terms; the AUC differs only through pairs of a positive and a negative in one bucket, which it counts as ties
 * (½), where the exact AUC orders them: {@code |auc − exact| ≤ }{@link #aucTieBound()} = ½ · (such pairs) / (P·N).
 * Bucketing is monotone, so pairs in different buckets are ordered as by the raw scores.
 *
 * <p>Counts merge exactly (commutative, associative); the double sums merge up to rounding. Not thread-safe.
 */
public final class ScoreHistogram {
    public static final int BUCKETS = 1000;
    public static final int RELIABILITY_BINS = 10;
    /** logit(1 − ε): the histogram spans [−MAX_LOGIT, MAX_LOGIT]; beyond it {@link Evaluation} clips anyway. */
    public static final double MAX_LOGIT = Math.log((1 - Evaluation.EPS) / Evaluation.EPS);

    private static final double BUCKETS_PER_LOGIT = BUCKETS / (2 * MAX_LOGIT);
    private static final int FORMAT_VERSION = 1;

    private final long[] pos = new long[BUCKETS];
    private final long[] neg = new long[BUCKETS];
    private double lossPos;
    private double lossNeg;
    private final long[] binCount = new long[RELIABILITY_BINS];
    private final long[] binPos = new long[RELIABILITY_BINS];
    private final double[] binSumP = new double[RELIABILITY_BINS];

    /** The bucket of a probability: monotone in p, clipped to [ε, 1 − ε] first. */
    public static int bucket(double p) {
        double q = clip(p);
        double z = Math.log(q / (1 - q));
        int b = (int) Math.floor((z + MAX_LOGIT) * BUCKETS_PER_LOGIT);
        return Math.min(BUCKETS - 1, Math.max(0, b));
    }

    /** The probability at the lower edge of a bucket (bucket {@link #BUCKETS} gives the upper edge of the last). */
    public static double lowerEdge(int bucket) {
        double z = bucket / BUCKETS_PER_LOGIT - MAX_LOGIT;
        return 1 / (1 + Math.exp(-z));
    }

    private static double clip(double p) {
        return Math.min(1 - Evaluation.EPS, Math.max(Evaluation.EPS, p));
    }

    /** Adds one graded prediction. NaN is refused: it has no place in a ranking. */
    public void add(float p, boolean positive) {
        if (Float.isNaN(p)) {
            throw new IllegalArgumentException("a NaN probability cannot be graded");
        }
        int b = bucket(p);
        double q = clip(p);
        if (positive) {
            pos[b]++;
            lossPos += -Math.log(q);
        } else {
            neg[b]++;
            lossNeg += -Math.log(1 - q);
        }
        // the same expression (float × int) as Evaluation.calibration, so a prediction lands in the same bin
        int r = Math.min(RELIABILITY_BINS - 1, Math.max(0, (int) (p * RELIABILITY_BINS)));
        binCount[r]++;
        binPos[r] += positive ? 1 : 0;
        binSumP[r] += p;
    }

    /** Adds everything {@code other} holds into this one; returns this. */
    public ScoreHistogram merge(ScoreHistogram other) {
        for (int b = 0; b < BUCKETS; b++) {
            pos[b] += other.pos[b];
            neg[b] += other.neg[b];
        }
        lossPos += other.lossPos;
        lossNeg += other.lossNeg;
        for (int r = 0; r < RELIABILITY_BINS; r++) {
            binCount[r] += other.binCount[r];
            binPos[r] += other.binPos[r];
            binSumP[r] += other.binSumP[r];
        }
        return this;
    }

    public ScoreHistogram copy() {
        return new ScoreHistogram().merge(this);
    }

    public long positives() {
        long n = 0;
        for (long c : binPos) n += c;
        return n;
    }

    public long count() {
        long n = 0;
        for (long c : binCount) n += c;
        return n;
    }

    public long negatives() {
        return count() - positives();
    }

    public boolean isEmpty() {
        return count() == 0;
    }

    /** Positives over everything graded; NaN when empty. */
    public double baseRate() {
        long n = count();
        return n == 0 ? Double.NaN : (double) positives() / n;
    }

    /** The mean predicted probability; NaN when empty. Next to {@link #baseRate()} it shows calibration-in-the-large. */
    public double meanPrediction() {
        long n = count();
        if (n == 0) return Double.NaN;
        double s = 0;
        for (double v : binSumP) s += v;
        return s / n;
    }

    /**
     * ROC AUC, positive–negative pairs in one bucket counted as ties (½); NaN with one class only. Within
     * {@link #aucTieBound()} of the exact AUC of the same predictions.
     */
    public double auc() {
        double num = 0;
        double negBelow = 0;
        double p = 0;
        for (int b = 0; b < BUCKETS; b++) {
            num += pos[b] * (negBelow + neg[b] / 2.0);
            negBelow += neg[b];
            p += pos[b];
        }
        return p == 0 || negBelow == 0 ? Double.NaN : num / (p * negBelow);
    }

    /**
     * The AUC these predictions would have if the model were calibrated, from their scores alone (labels ignored):
     * each prediction in bucket b counts as p_b of a positive and 1 − p_b of a negative (p_b the bucket's midpoint in
     * log-odds), and the AUC of those expected counts is taken, ties in a bucket as ½: confidence-based performance
     * estimation (as NannyML's CBPE does), so a version's ranking quality shows before its labels arrive. Valid while
     * the model stays calibrated on the current population; where the realized {@link #auc()} exists and differs by
     * more than its sampling error, that is the sign it no longer is. NaN when empty.
     */
    public double expectedAuc() {
        double num = 0;
        double negBelow = 0;
        double p = 0;
        for (int b = 0; b < BUCKETS; b++) {
            long c = pos[b] + neg[b];
            if (c == 0) continue;
            double q = midpoint(b);
            double ep = c * q;
            double en = c - ep;
            num += ep * (negBelow + en / 2.0);
            negBelow += en;
            p += ep;
        }
        return p == 0 || negBelow == 0 ? Double.NaN : num / (p * negBelow);
    }

    /**
     * The standard error of {@link #auc()} from its value and the class counts (Hanley and McNeil, 1982: the AUC as a
     * Wilcoxon statistic, with Q1 = A / (2 − A) and Q2 = 2A² / (1 + A) for the two kinds of shared-case pairs): the
     * sampling error a gap to {@link #expectedAuc()} is read against. NaN where the AUC is.
     */
    public double aucStandardError() {
        return aucStandardError(auc(), positives(), negatives());
    }

    /** Hanley–McNeil's standard error of an AUC {@code a} over {@code p} positives and {@code n} negatives. */
    public static double aucStandardError(double a, long p, long n) {
        if (Double.isNaN(a) || p == 0 || n == 0) return Double.NaN;
        double q1 = a / (2 - a);
        double q2 = 2 * a * a / (1 + a);
        double v = (a * (1 - a) + (p - 1) * (q1 - a * a) + (n - 1) * (q2 - a * a)) / ((double) p * n);
        return Math.sqrt(Math.max(0, v));
    }

    /** The probability at a bucket's middle in log-odds. */
    static double midpoint(int bucket) {
        double z = (bucket + 0.5) / BUCKETS_PER_LOGIT - MAX_LOGIT;
        return 1 / (1 + Math.exp(-z));
    }

    /** ½ · (positive–negative pairs sharing a bucket) / (P·N): the most {@link #auc()} can differ from the exact AUC. */
    public double aucTieBound() {
        double tied = 0;
        double p = 0;
        double n = 0;
        for (int b = 0; b < BUCKETS; b++) {
            tied += (double) pos[b] * neg[b];
            p += pos[b];
            n += neg[b];
        }
        return p == 0 || n == 0 ? Double.NaN : tied / 2 / (p * n);
    }

    /** The mean log loss, exact (the same clipped terms {@link Evaluation#logloss} sums); NaN when empty. */
    public double logloss() {
        long n = count();
        return n == 0 ? Double.NaN : (lossPos + lossNeg) / n;
    }

    /** {@link Evaluation#calibration}'s table over {@value #RELIABILITY_BINS} bins. */
    public List<Evaluation.CalibrationBin> reliability() {
        List<Evaluation.CalibrationBin> out = new ArrayList<>(RELIABILITY_BINS);
        for (int r = 0; r < RELIABILITY_BINS; r++) {
            long c = binCount[r];
            out.add(new Evaluation.CalibrationBin(
                    (double) r / RELIABILITY_BINS,
                    (double) (r + 1) / RELIABILITY_BINS,
                    c,
                    c == 0 ? Double.NaN : binSumP[r] / c,
                    c == 0 ? Double.NaN : (double) binPos[r] / c));
        }
        return out;
    }

    /** {@link Evaluation#ece}: Σ_bins (count/n) · |mean predicted − observed rate|; NaN when empty. */
    public double ece() {
        long n = count();
        if (n == 0) return Double.NaN;
        double e = 0;
        for (Evaluation.CalibrationBin b : reliability()) {
            if (b.count() > 0) e += (double) b.count() / n * Math.abs(b.meanPredicted() - b.observedRate());
        }
        return e;
    }

    /** The figures in {@link Evaluation.Metrics}' shape, so they publish as the model card's do. */
    public Evaluation.Metrics metrics() {
        return new Evaluation.Metrics(auc(), logloss(), ece(), positives(), count(), reliability());
    }

    /** Counts per bucket (a copy): positives when {@code positive}, else negatives. */
    public long[] bucketCounts(boolean positive) {
        return (positive ? pos : neg).clone();
    }

    // ------------------------------------------------------------------ bytes

    /**
     * {@code u8 version=1, varint nonEmptyBuckets, per bucket (varint Δindex, varlong positives, varlong negatives),
     * f64 lossPos, f64 lossNeg, per reliability bin (varlong count, varlong positives, f64 sumP)}: a few hundred
     * bytes for a typical stage, since only occupied buckets are written.
     */
    public byte[] encode() {
        ByteWriter out = new ByteWriter(64);
        out.write(FORMAT_VERSION);
        int nonEmpty = 0;
        for (int b = 0; b < BUCKETS; b++) {
            if (pos[b] != 0 || neg[b] != 0) nonEmpty++;
        }
        out.writeVarLong(nonEmpty);
        int last = 0;
        for (int b = 0; b < BUCKETS; b++) {
            if (pos[b] == 0 && neg[b] == 0) continue;
            out.writeVarLong(b - last);
            out.writeVarLong(pos[b]);
            out.writeVarLong(neg[b]);
            last = b;
        }
        out.writeDouble(lossPos);
        out.writeDouble(lossNeg);
        for (int r = 0; r < RELIABILITY_BINS; r++) {
            out.writeVarLong(binCount[r]);
            out.writeVarLong(binPos[r]);
            out.writeDouble(binSumP[r]);
        }
        return out.toByteArray();
    }

    /** @throws IllegalArgumentException on an unknown version, truncated, trailing or inconsistent bytes */
    public static ScoreHistogram decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            int version = in.get() & 0xff;
            if (version != FORMAT_VERSION) {
                throw new IllegalArgumentException("unknown score histogram format version " + version);
            }
            ScoreHistogram h = new ScoreHistogram();
            long nonEmpty = readVarLong(in);
            if (nonEmpty < 0 || nonEmpty > BUCKETS) throw new IllegalArgumentException("bad bucket count " + nonEmpty);
            int b = 0;
            for (long i = 0; i < nonEmpty; i++) {
                long delta = readVarLong(in);
                if (delta < 0 || b + delta >= BUCKETS || (i > 0 && delta == 0)) {
                    throw new IllegalArgumentException("bad bucket index delta " + delta);
                }
                b += (int) delta;
                h.pos[b] = nonNegative(readVarLong(in));
                h.neg[b] = nonNegative(readVarLong(in));
            }
            h.lossPos = in.getDouble();
            h.lossNeg = in.getDouble();
            for (int r = 0; r < RELIABILITY_BINS; r++) {
                h.binCount[r] = nonNegative(readVarLong(in));
                h.binPos[r] = nonNegative(readVarLong(in));
                h.binSumP[r] = in.getDouble();
            }
            if (in.hasRemaining()) throw new IllegalArgumentException(in.remaining() + " trailing bytes");
            return h;
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated score histogram", e);
        }
    }

    private static long nonNegative(long v) {
        if (v < 0) throw new IllegalArgumentException("negative count " + v);
        return v;
    }

    private static long readVarLong(ByteBuffer in) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = in.get();
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) return v;
        }
        throw new IllegalArgumentException("varint longer than 10 bytes");
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ScoreHistogram h)) return false;
        return java.util.Arrays.equals(pos, h.pos)
                && java.util.Arrays.equals(neg, h.neg)
                && Double.compare(lossPos, h.lossPos) == 0
                && Double.compare(lossNeg, h.lossNeg) == 0
                && java.util.Arrays.equals(binCount, h.binCount)
                && java.util.Arrays.equals(binPos, h.binPos)
                && java.util.Arrays.equals(binSumP, h.binSumP);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(pos) * 31 + java.util.Arrays.hashCode(neg);
    }

    @Override
    public String toString() {
        return "ScoreHistogram{positives=" + positives() + ", negatives=" + negatives() + "}";
    }
}
