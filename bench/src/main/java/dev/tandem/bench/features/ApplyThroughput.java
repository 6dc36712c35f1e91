package dev.tandem.bench.features;

import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.features.sequence.BehaviourSequence;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.features.sequence.SequenceUpdater;
import dev.tandem.features.sequence.UpdateOutcome;
import java.time.Duration;
import java.util.Arrays;

/**
 * A JMH-style in-process throughput loop of {@link SequenceUpdater#apply} on one warm sequence (the same
 * workload as the JMH {@code SequenceUpdaterBenchmark.apply}: default policy, mostly in-order events with up to
 * 30 s of jitter, 1-in-8 non-numeric item ids, 20 categories; {@link BenchEvents}): warm-up iterations, then measured iterations,
 * the median reported. For the {@code tandem bench features} report, where JMH (a test dependency) is not at hand;
 * the JMH benchmark stays the reference.
 */
final class ApplyThroughput {
    private final SequencePolicy policy;
    private final BenchEvents events = new BenchEvents();
    /** Keeps results observable so the JIT cannot drop the work. */
    private long sink;

    public ApplyThroughput(SequencePolicy policy) {
        this.policy = policy;
    }

    private BehaviourEvent next() {
        return events.next();
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
