package dev.tandem.features.sequence;

import java.util.Arrays;

/**
 * Bucketed sliding-window counters for a few channels (actions), in one primitive ring.
 *
 * <p>The ring holds the {@code buckets = window / bucket} most recent buckets up to the head bucket
 * (the bucket of the newest event added). As of time t (≥ the newest event), a channel's count is
 * the sum over the bucket holding t and the {@code buckets − 1} before it: an event is counted for
 * at least {@code window − bucket} and at most {@code window} after its event time. An event whose
 * bucket already left the ring is not counted (no later query could count it). The state after a
 * set of events does not depend on the order they were added in.
 *
 * <p>The head is not stored: it is the bucket of the owner's latest event time, which the owner
 * passes when decoding. Shared by {@link BehaviourSequence} (per action) and {@link ItemStats}.
 */
final class WindowedCounts {
    final long windowMs;
    final long bucketMs;
    final int buckets;
    final int channels;
    /** counts[slot * channels + channel], slot = floorMod(bucket, buckets). */
    private final long[] counts;

    private long head;
    private boolean empty = true;

    WindowedCounts(SequencePolicy.CounterWindow spec, int channels) {
        this.windowMs = spec.windowMs();
        this.bucketMs = spec.bucketMs();
        this.buckets = spec.buckets();
        this.channels = channels;
        this.counts = new long[buckets * channels];
    }

    /** Counts one event; false if its bucket is already out of the window (then nothing changes). */
    boolean add(long timeMs, int channel) {
        long b = Math.floorDiv(timeMs, bucketMs);
        if (empty) {
            empty = false;
            head = b;
        } else if (b > head) {
            advanceTo(b);
        } else if (b <= head - buckets) {
            return false;
        }
        counts[slot(b) * channels + channel]++;
        return true;
    }

    private void advanceTo(long b) {
        long steps = b - head;
        if (steps >= buckets) {
            Arrays.fill(counts, 0);
        } else {
            for (long k = head + 1; k <= b; k++) {
                int base = slot(k) * channels;
                Arrays.fill(counts, base, base + channels, 0);
            }
        }
        head = b;
    }

    private int slot(long bucket) {
        return (int) Math.floorMod(bucket, (long) buckets);
    }

    /** A channel's count over the window ending at {@code asOfMs}; buckets that left the ring are missing. */
    long count(int channel, long asOfMs) {
        if (empty) {
            return 0;
        }
        long q = Math.floorDiv(asOfMs, bucketMs);
        long lo = Math.max(q, head) - buckets + 1; // buckets below head − buckets + 1 are gone
        long lo2 = q - buckets + 1;
        long from = Math.max(lo, lo2);
        long to = Math.min(q, head);
        long sum = 0;
        for (long b = from; b <= to; b++) {
            sum += counts[slot(b) * channels + channel];
        }
        return sum;
    }

    /**
     * Every channel's {@link #count} at once into {@code out[0..channels)}: one pass over the buckets instead of
     * one per channel (what building {@code UserFeatures} needs on every event).
     */
    void countAll(long asOfMs, long[] out) {
        Arrays.fill(out, 0, channels, 0);
        if (empty) {
            return;
        }
        long q = Math.floorDiv(asOfMs, bucketMs);
        long from = Math.max(Math.max(q, head) - buckets + 1, q - buckets + 1);
        long to = Math.min(q, head);
        if (from > to) {
            return;
        }
        int s = slot(from);
        for (long b = from; b <= to; b++) {
            int base = s * channels;
            for (int ch = 0; ch < channels; ch++) {
                out[ch] += counts[base + ch];
            }
            if (++s == buckets) {
                s = 0;
            }
        }
    }

    boolean isEmpty() {
        return empty;
    }

    boolean sameSpec(long windowMs, long bucketMs, int channels) {
        return this.windowMs == windowMs && this.bucketMs == bucketMs && this.channels == channels;
    }

    /**
     * {@code varlong window_ms, varlong bucket_ms, varint channels, varint n_nonzero,
     * n_nonzero × (varint index_delta, varlong count)} with index = age·channels + channel and
     * age = head − bucket, ascending.
     */
    void encode(Codec.Writer w) {
        w.varlong(windowMs);
        w.varlong(bucketMs);
        w.varlong(channels);
        int nonZero = 0;
        for (long c : counts) {
            if (c != 0) {
                nonZero++;
            }
        }
        w.varlong(nonZero);
        if (nonZero == 0) {
            return;
        }
        int previous = 0;
        int s = slot(head);
        for (int age = 0; age < buckets; age++, s = s == 0 ? buckets - 1 : s - 1) {
            int base = s * channels;
            for (int ch = 0; ch < channels; ch++) {
                long c = counts[base + ch];
                if (c != 0) {
                    int index = age * channels + ch;
                    w.varlong(index - previous);
                    w.varlong(c);
                    previous = index;
                }
            }
        }
    }

    /** {@code varint n_counters}, then each counter as {@link #encode}: the counters section of both state encodings. */
    static void encodeAll(Codec.Writer w, WindowedCounts[] counters) {
        w.varlong(counters.length);
        for (WindowedCounts c : counters) {
            c.encode(w);
        }
    }

    /**
     * Reads {@link #encodeAll}'s section into the counters of {@code into} with the same window, bucket and
     * channels; a counter the owner no longer has is skipped, one it did not have starts empty. Every counter's
     * head becomes the bucket of {@code latestMs}, the owner's latest event time.
     */
    static void decodeAll(Codec.Reader r, WindowedCounts[] into, long latestMs) {
        int n = r.count(SequencePolicy.MAX_WINDOWS, "counter count");
        for (int i = 0; i < n; i++) {
            long[] spec = readSpec(r);
            if (spec[1] == 0 || spec[0] % spec[1] != 0 || spec[0] / spec[1] > SequencePolicy.MAX_BUCKETS_PER_WINDOW) {
                throw r.corrupt("counter window " + spec[0] + " / bucket " + spec[1]);
            }
            WindowedCounts target = null;
            for (WindowedCounts c : into) {
                if (c.sameSpec(spec[0], spec[1], (int) spec[2])) {
                    target = c;
                }
            }
            readBody(r, target, spec[0] / spec[1], (int) spec[2], latestMs, spec[1]);
        }
        for (WindowedCounts c : into) {
            c.markNonEmpty(latestMs);
        }
    }

    /** Reads one counter's header: window, bucket and channels. */
    private static long[] readSpec(Codec.Reader r) {
        long windowMs = r.nonNegative("counter window");
        long bucketMs = r.nonNegative("counter bucket");
        long channels = r.count(64, "counter channels");
        return new long[] {windowMs, bucketMs, channels};
    }

    /** Reads the body after {@link #readSpec}; {@code into} is null to skip a counter the policy no longer has. */
    private static void readBody(
            Codec.Reader r, WindowedCounts into, long buckets, int channels, long latestMs, long bucketMs) {
        long cells = buckets * channels;
        int nonZero = r.count(cells, "non-zero counter cells");
        if (into != null) {
            into.empty = false;
            into.head = Math.floorDiv(latestMs, bucketMs);
        }
        long index = -1;
        for (int i = 0; i < nonZero; i++) {
            long delta = r.nonNegative("counter index delta");
            if (i > 0 && delta == 0) {
                throw r.corrupt("counter cells out of order");
            }
            index = (i == 0 ? 0 : index) + delta;
            if (index < 0 || index >= cells) {
                throw r.corrupt("counter cell " + index + " out of range " + cells);
            }
            long c = r.nonNegative("counter value");
            if (c == 0) {
                throw r.corrupt("zero counter cell");
            }
            if (into != null) {
                long age = index / channels;
                int ch = (int) (index % channels);
                into.counts[into.slot(into.head - age) * channels + ch] = c;
            }
        }
    }

    private void markNonEmpty(long latestMs) {
        if (empty) {
            empty = false;
            head = Math.floorDiv(latestMs, bucketMs);
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof WindowedCounts other)) {
            return false;
        }
        return windowMs == other.windowMs
                && bucketMs == other.bucketMs
                && channels == other.channels
                && empty == other.empty
                && (empty || head == other.head)
                && Arrays.equals(counts, other.counts);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(head) * 31 + Arrays.hashCode(counts);
    }

    /** Worst-case encoded size. */
    int maxEncodedSize() {
        return 10 + 10 + 2 + 5 + buckets * channels * (5 + 10);
    }
}
