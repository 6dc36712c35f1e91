package dev.tandem.bench.jmh;

import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.features.sequence.BehaviourSequence;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.features.sequence.SequenceUpdater;
import dev.tandem.model.features.EncodedBatch;
import dev.tandem.model.features.FeatureEncoder;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.features.ItemCode;
import dev.tandem.model.features.UserVector;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.UserFeatures;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encoding cost per candidate: one request = one user (L = 20 of 50 kept events, default spec)
 * and {@value #CANDIDATES} candidates. Each benchmark's score is ns per candidate (the user half
 * is encoded once per request and amortized over its candidates, as the scoring job does).
 *
 * <p>Not run by {@code mvn test}. Run: {@code mvn -B -q -pl bench -am test -DskipTests -Djmh.include=EncoderBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EncoderBenchmark {
    static final int CANDIDATES = 256;
    static final long T0 = 1_700_000_000_000L;

    FeatureEncoder encoder;
    UserFeatures features;
    BehaviourSequence sequence;
    ItemMetadata[] items;
    ItemCode[] codes;
    UserVector user;
    EncodedBatch batch;
    long now;

    @Setup
    public void setup() {
        SequencePolicy policy = SequencePolicy.defaults();
        encoder = new FeatureEncoder(FeatureSpec.defaults(policy));
        sequence = new BehaviourSequence(policy);
        Random r = new Random(1);
        for (int i = 0; i < 80; i++) {
            Action a = i % 7 == 0 ? Action.CART : Action.VIEW;
            SequenceUpdater.apply(
                    sequence,
                    new BehaviourEvent(
                            "e" + i,
                            Integer.toString(100_000 + r.nextInt(50_000)),
                            Integer.toString(r.nextInt(500)),
                            a,
                            T0 + i * 30_000L));
        }
        features = sequence.toUserFeatures("user-1");
        now = T0 + 81 * 30_000L;
        items = new ItemMetadata[CANDIDATES];
        codes = new ItemCode[CANDIDATES];
        for (int i = 0; i < CANDIDATES; i++) {
            items[i] = ItemMetadata.newBuilder()
                    .setItemId(Integer.toString(200_000 + r.nextInt(500_000)))
                    .setCategoryPath(List.of("root", Integer.toString(r.nextInt(500))))
                    .setBrand("brand-" + r.nextInt(300))
                    .setPrice(1 + r.nextDouble() * 500)
                    .setAttributes(Map.of())
                    .build();
            codes[i] = encoder.encodeItem(items[i]);
        }
        user = encoder.newUserVector();
        batch = encoder.newBatch(CANDIDATES);
    }

    /** Serving path: UserFeatures (Avro) + ItemMetadata hashed per request. */
    @Benchmark
    @OperationsPerInvocation(CANDIDATES)
    public EncodedBatch userFeaturesAndMetadata() {
        encoder.encodeUser(features, now, user);
        for (int i = 0; i < CANDIDATES; i++) {
            encoder.writeRow(user, items[i], batch, i);
        }
        return batch;
    }

    /** Serving path with the item codes cached per item (what the broadcast catalog can hold). */
    @Benchmark
    @OperationsPerInvocation(CANDIDATES)
    public EncodedBatch userFeaturesAndCachedItemCodes() {
        encoder.encodeUser(features, now, user);
        for (int i = 0; i < CANDIDATES; i++) {
            encoder.writeRow(user, codes[i], batch, i);
        }
        return batch;
    }

    /** One candidate per request: the user half is not amortized (the worst case). */
    @Benchmark
    public EncodedBatch singleCandidateRequest() {
        encoder.encodeUser(features, now, user);
        encoder.writeRow(user, items[0], batch, 0);
        return batch;
    }

    /** Training path: straight from the live BehaviourSequence. */
    @Benchmark
    @OperationsPerInvocation(CANDIDATES)
    public EncodedBatch behaviourSequenceAndMetadata() {
        encoder.encodeUser(sequence, now, user);
        for (int i = 0; i < CANDIDATES; i++) {
            encoder.writeRow(user, items[i], batch, i);
        }
        return batch;
    }
}
