package dev.tandem.connect.avro;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.connect.serving.Objective;
import dev.tandem.connect.serving.Recommendation;
import dev.tandem.connect.sink.PredictionStructs;
import dev.tandem.schemas.CandidateScore;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.PredictionTimings;
import dev.tandem.schemas.registry.MockSchemaRegistry;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Builders;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.kafka.connect.data.SchemaAndValue;

/** Any Prediction the scorer could write survives serializer → converter → converter byte for byte. */
class PredictionRoundTripPropertiesTest {
    private static final String SCOPE = "prediction-props-" + UUID.randomUUID();
    private static final SchemaRegistryClient CLIENT = MockSchemaRegistry.client(SCOPE);
    private static final TandemAvroSerializer<Prediction> SERIALIZER = new TandemAvroSerializer<>(CLIENT, false);
    private static final TandemAvroConverter CONVERTER = new TandemAvroConverter(CLIENT);

    static {
        CONVERTER.configure(Map.of(), false);
    }

    @Property(tries = 300)
    void bytesSurviveTheConverterBothWays(@ForAll("predictions") Prediction p) {
        byte[] written = SERIALIZER.serialize("predictions", p);

        SchemaAndValue connect = CONVERTER.toConnectData("predictions", written);

        assertThat(CONVERTER.fromConnectData("predictions", connect.schema(), connect.value()))
                .isEqualTo(written);
        Recommendation r = PredictionStructs.toRecommendation(connect.value(), Objective.probability("S0"), 0);
        assertThat(r.requestTime()).isEqualTo(p.getRequestTime().toEpochMilli());
        assertThat(r.featuresAsOf())
                .isEqualTo(
                        p.getFeaturesAsOf() == null ? null : p.getFeaturesAsOf().toEpochMilli());
        assertThat(r.items()).hasSameSizeAs(p.getCandidates());
    }

    @Provide
    Arbitrary<Prediction> predictions() {
        Arbitrary<String> ids = Arbitraries.strings()
                .withCharRange('a', 'z')
                .withChars('-', '_', 'é', '€', '漢')
                .ofMaxLength(12);
        Arbitrary<Instant> times = Arbitraries.longs()
                .between(-62_000_000_000_000L, 250_000_000_000_000L)
                .map(Instant::ofEpochMilli);
        Arbitrary<Float> probabilities =
                Arbitraries.floats().between(0f, 1f).withSpecialValue(Float.NaN).withSpecialValue(Float.MIN_VALUE);
        Arbitrary<Double> prices = Arbitraries.doubles()
                .between(0, 1e9)
                .withSpecialValue(Double.POSITIVE_INFINITY)
                .injectNull(0.3);
        Arbitrary<CandidateScore> candidates =
                Combinators.combine(ids, probabilities.list().ofSize(3), prices).as(CandidateScore::new);
        Arbitrary<PredictionTimings> timings = Combinators.combine(
                        times, times, Arbitraries.longs(), Arbitraries.longs(), Arbitraries.integers())
                .as(PredictionTimings::new);
        return Builders.withBuilder(Prediction::newBuilder)
                .use(ids)
                .in(Prediction.Builder::setRequestId)
                .use(ids)
                .in(Prediction.Builder::setUserId)
                .use(ids)
                .in(Prediction.Builder::setModelName)
                .use(ids)
                .in(Prediction.Builder::setModelVersion)
                .use(times.injectNull(0.3))
                .in(Prediction.Builder::setFeaturesAsOf)
                .use(times)
                .in(Prediction.Builder::setRequestTime)
                .use(Arbitraries.just(List.of("S0", "S1", "S2")))
                .in(Prediction.Builder::setStages)
                .use(candidates.list().ofMaxSize(6).uniqueElements(CandidateScore::getItemId))
                .in(Prediction.Builder::setCandidates)
                .use(timings)
                .in(Prediction.Builder::setTimings)
                .build(Prediction.Builder::build);
    }
}
