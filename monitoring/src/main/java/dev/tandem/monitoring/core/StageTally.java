package dev.tandem.monitoring.core;

import dev.tandem.features.eval.ScoreHistogram;
import dev.tandem.features.funnel.FunnelLabels;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One stage's outcomes over one window: the {@link ScoreHistogram} of the graded ones and how many censored
 * ones were left out. Mergeable like the histogram, so windows add up to any longer span and partial tallies
 * of several tasks add up to one.
 */
public final class StageTally {
    private static final int FORMAT_VERSION = 1;

    private final ScoreHistogram histogram;
    private long censored;

    public StageTally() {
        this(new ScoreHistogram(), 0);
    }

    private StageTally(ScoreHistogram histogram, long censored) {
        this.histogram = histogram;
        this.censored = censored;
    }

    /**
     * Adds one candidate's outcome at this stage: graded when its label is known ({@link FunnelLabels#known}: a
     * positive, or a negative whose horizon has passed), otherwise counted as censored and left out.
     */
    public void add(float probability, boolean reached, boolean censoredOutcome) {
        if (FunnelLabels.known(reached, censoredOutcome)) {
            histogram.add(probability, reached);
        } else {
            censored++;
        }
    }

    public StageTally merge(StageTally other) {
        histogram.merge(other.histogram);
        censored += other.censored;
        return this;
    }

    public ScoreHistogram histogram() {
        return histogram;
    }

    public long censored() {
        return censored;
    }

    /** Every outcome added: graded plus censored. */
    public long outcomes() {
        return histogram.count() + censored;
    }

    /** {@code u8 version=1, i64 censored, histogram bytes}. */
    public byte[] encode() {
        byte[] h = histogram.encode();
        return ByteBuffer.allocate(9 + h.length)
                .put((byte) FORMAT_VERSION)
                .putLong(censored)
                .put(h)
                .array();
    }

    public static StageTally decode(byte[] bytes) {
        if (bytes.length < 9 || bytes[0] != FORMAT_VERSION) {
            throw new IllegalArgumentException("not a stage tally (format " + FORMAT_VERSION + ")");
        }
        long censored = ByteBuffer.wrap(bytes, 1, 8).getLong();
        return new StageTally(ScoreHistogram.decode(Arrays.copyOfRange(bytes, 9, bytes.length)), censored);
    }
}
