package dev.tandem.bench.jmh;

import dev.tandem.bench.features.BenchEvents;
import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.features.sequence.BehaviourSequence;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.features.sequence.SequenceUpdater;
import dev.tandem.features.sequence.UpdateOutcome;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Throughput of the per-event work of the features app, default policy (N=50, 256 ids, 2 windows):
 * {@code apply} on a warmed in-memory sequence, and decode → apply → encode (what the Streams
 * processor does per event with its byte[] store), over {@link BenchEvents}. Not run by {@code mvn test}:
 * {@code mvn -B -q -pl bench -am test -DskipTests -Djmh.include=SequenceUpdaterBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class SequenceUpdaterBenchmark {
    private final SequencePolicy policy = SequencePolicy.defaults();
    private BenchEvents events;
    private BehaviourSequence seq;
    private byte[] stored;

    @Setup(Level.Trial)
    public void setUp() {
        events = new BenchEvents();
        seq = new BehaviourSequence(policy);
        for (int i = 0; i < 1_000; i++) { // warm: full sequence, full id memory, all categories
            SequenceUpdater.apply(seq, next());
        }
        stored = seq.encode();
    }

    private BehaviourEvent next() {
        return events.next();
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
