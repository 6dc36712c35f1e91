package dev.tandem.features.bench;

import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.features.sequence.BehaviourSequence;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.features.sequence.SequenceUpdater;
import dev.tandem.features.sequence.UpdateOutcome;
import dev.tandem.schemas.Action;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Throughput of the per-event work of the features app, default policy (N=50, 256 ids, 2 windows):
 * {@code apply} on a warmed in-memory sequence, and decode → apply → encode (what the Streams
 * processor does per event with its byte[] store). Events are mostly in order with up to 30 s of
 * jitter (never late), 1-in-8 non-numeric item ids, 20 categories. Not run by {@code mvn test}:
 *
 * <pre>
 * cd /work/main &amp;&amp; mvn -B -q -pl streams-features test-compile exec:exec -Dexec.executable=java \
 *   -Dexec.classpathScope=test -Dexec.args="-cp %classpath dev.tandem.features.bench.SequenceUpdaterBenchmark"
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SequenceUpdaterBenchmark {
    private static final int POOL = 1 << 16; // far more than the 256 remembered ids, so reused ids are never duplicates
    private static final int MASK = POOL - 1;

    private final SequencePolicy policy = SequencePolicy.defaults();
    private String[] eventIds;
    private String[] itemIds;
    private String[] categoryIds;
    private Action[] actions;
    private long[] jitter;
    private long counter;
    private BehaviourSequence seq;
    private byte[] stored;

    @Setup(Level.Trial)
    public void setUp() {
        Random r = new Random(42);
        eventIds = new String[POOL];
        itemIds = new String[POOL];
        categoryIds = new String[POOL];
        actions = new Action[POOL];
        jitter = new long[POOL];
        Action[] mix = {Action.VIEW, Action.VIEW, Action.VIEW, Action.VIEW, Action.CLICK, Action.CART, Action.FAVORITE, Action.PURCHASE};
        for (int i = 0; i < POOL; i++) {
            eventIds[i] = "0b9f1c2e-" + Long.toHexString(r.nextLong());
            itemIds[i] = r.nextInt(8) == 0 ? "sku-" + r.nextInt(100_000) : Integer.toString(r.nextInt(5_000_000));
            categoryIds[i] = Integer.toString(1000 + r.nextInt(20));
            actions[i] = mix[r.nextInt(mix.length)];
            jitter[i] = -r.nextInt(30_000);
        }
        seq = new BehaviourSequence(policy);
        for (int i = 0; i < 1_000; i++) { // warm: full sequence, full id memory, all categories
            SequenceUpdater.apply(seq, next());
        }
        stored = seq.encode();
    }

    private BehaviourEvent next() {
        long c = counter++;
        int i = (int) (c & MASK);
        return new BehaviourEvent(eventIds[i] + c, itemIds[i], categoryIds[i], actions[i], 1_700_000_000_000L + c * 5_000 + jitter[i]);
    }

    @Benchmark
    public UpdateOutcome apply() {
        return SequenceUpdater.apply(seq, next());
    }

    @Benchmark
    public int decodeApplyEncode() {
        BehaviourSequence s = BehaviourSequence.decode(stored, policy);
        SequenceUpdater.apply(s, next());
        stored = s.encode();
        return stored.length;
    }

    public static void main(String[] args) throws RunnerException {
        Options options = new OptionsBuilder()
                .include(SequenceUpdaterBenchmark.class.getSimpleName())
                .forks(1)
                .warmupIterations(3)
                .warmupTime(TimeValue.seconds(2))
                .measurementIterations(5)
                .measurementTime(TimeValue.seconds(2))
                .build();
        new Runner(options).run();
    }
}
