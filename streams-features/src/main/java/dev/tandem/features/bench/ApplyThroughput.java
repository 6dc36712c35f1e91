package dev.tandem.features.bench;

import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.features.sequence.BehaviourSequence;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.features.sequence.SequenceUpdater;
import dev.tandem.features.sequence.UpdateOutcome;
import dev.tandem.schemas.Action;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;

/**
 * A JMH-style in-process throughput loop of {@link SequenceUpdater#apply} on one warm sequence (the same
 * workload as the JMH {@code SequenceUpdaterBenchmark.apply}: default policy, mostly in-order events with up to
 * 30 s of jitter, 1-in-8 non-numeric item ids, 20 categories): warm-up iterations, then measured iterations,
 * the median reported. For the {@code tandem bench features} report, where JMH (a test dependency) is not at hand;
 * the JMH benchmark stays the reference.
 */
public final class ApplyThroughput {
    private static final int POOL = 1 << 16;
    private static final int MASK = POOL - 1;

    private final SequencePolicy policy;
    private final String[] eventIds = new String[POOL];
    private final String[] itemIds = new String[POOL];
    private final String[] categoryIds = new String[POOL];
    private final Action[] actions = new Action[POOL];
    private final long[] jitter = new long[POOL];
    private long counter;
    /** Keeps results observable so the JIT cannot drop the work. */
    private long sink;

    public ApplyThroughput(SequencePolicy policy) {
        this.policy = policy;
        Random r = new Random(42);
        Action[] mix = {Action.VIEW, Action.VIEW, Action.VIEW, Action.VIEW, Action.CLICK, Action.CART, Action.FAVORITE, Action.PURCHASE};
        for (int i = 0; i < POOL; i++) {
            eventIds[i] = "0b9f1c2e-" + Long.toHexString(r.nextLong());
            itemIds[i] = r.nextInt(8) == 0 ? "sku-" + r.nextInt(100_000) : Integer.toString(r.nextInt(5_000_000));
            categoryIds[i] = Integer.toString(1000 + r.nextInt(20));
            actions[i] = mix[r.nextInt(mix.length)];
            jitter[i] = -r.nextInt(30_000);
        }
    }

    private BehaviourEvent next() {
        long c = counter++;
        int i = (int) (c & MASK);
        return new BehaviourEvent(eventIds[i] + c, itemIds[i], categoryIds[i], actions[i], 1_700_000_000_000L + c * 5_000 + jitter[i]);
    }

    /** Median ops/s of {@code iterations} timed iterations of {@code iteration} each, after {@code warmups} untimed ones. */
    public double measure(int warmups, int iterations, Duration iteration) {
        BehaviourSequence seq = new BehaviourSequence(policy);
        for (int i = 0; i < 1_000; i++) SequenceUpdater.apply(seq, next()); // full sequence, full id memory
        for (int i = 0; i < warmups; i++) iteration(seq, iteration);
        double[] rates = new double[iterations];
        for (int i = 0; i < iterations; i++) rates[i] = iteration(seq, iteration);
        Arrays.sort(rates);
        if (sink == 42) System.out.print(""); // never true in practice; keeps sink alive
        return rates[iterations / 2];
    }

    private double iteration(BehaviourSequence seq, Duration length) {
        long ops = 0;
        long t0 = System.nanoTime();
        long deadline = t0 + length.toNanos();
        long now;
        do {
            for (int k = 0; k < 1_024; k++) {
                UpdateOutcome o = SequenceUpdater.apply(seq, next());
                sink += o.ordinal();
            }
            ops += 1_024;
            now = System.nanoTime();
        } while (now < deadline);
        return ops / ((now - t0) / 1e9);
    }
}
