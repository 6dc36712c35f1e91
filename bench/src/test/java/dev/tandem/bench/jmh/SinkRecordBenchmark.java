package dev.tandem.bench.jmh;

import dev.tandem.connect.avro.TandemAvroConverter;
import dev.tandem.connect.serving.Objective;
import dev.tandem.connect.serving.Recommendation;
import dev.tandem.connect.serving.RecommendationJson;
import dev.tandem.connect.sink.PredictionDecoder;
import dev.tandem.connect.sink.PredictionStructs;
import dev.tandem.connect.sink.ServingSinkConfig;
import dev.tandem.schemas.CandidateScore;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.PredictionTimings;
import dev.tandem.schemas.registry.MockSchemaRegistry;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a serving sink spends per prediction in the worker before the store sees it, step by step: the converter
 * (wire bytes → Connect struct), the ranking ({@link PredictionStructs}: struct → ranked {@link Recommendation}) and the
 * stored JSON document, on a prediction of 20 candidates as {@code tandem bench serving} writes them. {@code wholePath}
 * is the three in a row; {@code wholePathFromBytes} the same with the sink decoding the wire bytes itself.
 *
 * <p>Run: {@code mvn -B -q -pl bench -am test -DskipTests -Djmh.include=SinkRecordBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class SinkRecordBenchmark {
    private static final String TOPIC = "predictions";
    private static final int CANDIDATES = 20;

    private String scope;
    private TandemAvroConverter converter;
    private Objective objective;
    private byte[] wire;
    private Object struct;
    private Recommendation recommendation;
    private PredictionDecoder bytesDecoder;

    static Prediction prediction(SplittableRandom rnd) {
        List<CandidateScore> scores = new ArrayList<>(CANDIDATES);
        for (int c = 0; c < CANDIDATES; c++) {
            float cart = (float) rnd.nextDouble(0.01, 0.5);
            scores.add(CandidateScore.newBuilder()
                    .setItemId(Integer.toString(100_000 + rnd.nextInt(50_000)))
                    .setProbabilities(List.of(cart, cart * (float) rnd.nextDouble(0.05, 0.6)))
                    .setPrice(Math.round(rnd.nextDouble(1, 500) * 100) / 100.0)
                    .build());
        }
        long now = 1_765_000_000_000L;
        return Prediction.newBuilder()
                .setRequestId("sr-123456")
                .setUserId("su-123456")
                .setModelName("bench-serving")
                .setModelVersion("v1")
                .setFeaturesAsOf(Instant.ofEpochMilli(now - 60_000))
                .setRequestTime(Instant.ofEpochMilli(now))
                .setStages(List.of("CART", "PURCHASE"))
                .setCandidates(scores)
                .setTimings(PredictionTimings.newBuilder()
                        .setReceivedAt(Instant.ofEpochMilli(now))
                        .setScoredAt(Instant.ofEpochMilli(now + 1))
                        .build())
                .build();
    }

    @Setup
    public void setUp() {
        scope = "bench-sink-" + System.nanoTime();
        TandemAvroSerializer<Prediction> serializer =
                new TandemAvroSerializer<>(MockSchemaRegistry.client(scope), false);
        wire = serializer.serialize(TOPIC, prediction(new SplittableRandom(7)));
        converter = new TandemAvroConverter();
        converter.configure(Map.of("schema.registry.url", "mock://" + scope), false);
        objective = Objective.parse("probability:PURCHASE", 0);
        struct = converter.toConnectData(TOPIC, wire).value();
        recommendation = PredictionStructs.toRecommendation(struct, objective, 100);
        bytesDecoder = new PredictionDecoder(new ServingSinkConfig(
                ServingSinkConfig.common(),
                Map.of(
                        ServingSinkConfig.OBJECTIVE,
                        "probability:PURCHASE",
                        ServingSinkConfig.REGISTRY_URL,
                        "mock://" + scope)));
    }

    @TearDown
    public void tearDown() {
        converter.close();
        bytesDecoder.close();
        MockSchemaRegistry.drop(scope);
    }

    @Benchmark
    public Object convert() {
        return converter.toConnectData(TOPIC, wire).value();
    }

    @Benchmark
    public Recommendation rank() {
        return PredictionStructs.toRecommendation(struct, objective, 100);
    }

    @Benchmark
    public String encodeJson() {
        return RecommendationJson.encode(recommendation);
    }

    @Benchmark
    public String wholePath() {
        return RecommendationJson.encode(PredictionStructs.toRecommendation(
                converter.toConnectData(TOPIC, wire).value(), objective, 100));
    }

    /** The sinks with {@code value.converter=ByteArrayConverter}: wire bytes straight to a ranked recommendation. */
    @Benchmark
    public String wholePathFromBytes() {
        return RecommendationJson.encode(bytesDecoder.toRecommendation(TOPIC, wire));
    }
}
