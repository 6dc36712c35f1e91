package dev.tandem.monitoring.streams;

import static dev.tandem.monitoring.streams.MonitoringFixture.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.monitoring.MonitoringNames;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.testkit.poison.PoisonArbitraries;
import dev.tandem.testkit.poison.PoisonCorpus;
import dev.tandem.testkit.poison.ValidRecords;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The monitoring app's decoding of {@code predictions} and {@code events}, fuzzed with random bytes and mutated valid
 * records through its topology (in-memory stores): nothing throws out of the topology (that would kill the stream
 * thread), and a record that is not readable as its topic's type is counted as undecodable, once.
 */
class InputDecodingFuzzTest {
    private static final List<byte[]> VALID = new ArrayList<>();
    private static final List<Integer> IDS = new ArrayList<>();
    private static MonitoringFixture fx;
    private static Deserializer<Prediction> predictions;
    private static Deserializer<UserEvent> events;

    @BeforeContainer
    static void open() {
        fx = new MonitoringFixture();
        String url = "mock://" + fx.scope;
        TandemAvroSerializer<Object> ser =
                new TandemAvroSerializer<>(SchemaRegistryClients.forUrl(url, Map.of()), false);
        List<SpecificRecord> valid = new ArrayList<>(ValidRecords.all());
        // a prediction and an event at the driver's clock, so mutations of them reach the grader too
        valid.add(ValidRecords.prediction("r-2", "u-1", NOW.minusSeconds(60)));
        valid.add(ValidRecords.event("e-2", "u-1", "i-1", Action.CART, NOW.minusSeconds(30)));
        for (SpecificRecord r : valid) {
            byte[] b = ser.serialize("fuzz-" + r.getSchema().getName(), r);
            VALID.add(b);
            IDS.add(PoisonCorpus.schemaId(b));
        }
        predictions =
                new TandemAvroDeserializer<>(Prediction.class, SchemaRegistryClients.forUrl(url, Map.of()), false);
        events = new TandemAvroDeserializer<>(UserEvent.class, SchemaRegistryClients.forUrl(url, Map.of()), false);
    }

    @AfterContainer
    static void close() {
        fx.close();
    }

    @Provide
    Arbitrary<byte[]> hostile() {
        return Arbitraries.oneOf(PoisonArbitraries.randomBytes(), PoisonArbitraries.mutated(VALID, IDS));
    }

    @Property(tries = 10_000)
    void aPredictionIsReadOrCountedUndecodable(@ForAll("hostile") byte[] value) {
        double before = undecodable(fx.topics.predictions());
        fx.rawPredictions.pipeInput("u-1", value);
        assertThat(undecodable(fx.topics.predictions()))
                .isEqualTo(before + (readable(predictions, fx.topics.predictions(), value) ? 0 : 1));
    }

    @Property(tries = 10_000)
    void anEventIsReadOrCountedUndecodable(@ForAll("hostile") byte[] value) {
        double before = undecodable(fx.topics.events());
        fx.rawEvents.pipeInput("u-1", value);
        assertThat(undecodable(fx.topics.events()))
                .isEqualTo(before + (readable(events, fx.topics.events(), value) ? 0 : 1));
    }

    private static boolean readable(Deserializer<?> d, String topic, byte[] value) {
        try {
            return d.deserialize(topic, value) != null;
        } catch (SerializationException e) {
            return false;
        }
    }

    private static double undecodable(String topic) {
        var c = fx.meters
                .find(MonitoringNames.METRIC_UNDECODABLE)
                .tag(MonitoringNames.TAG_TOPIC, topic)
                .counter();
        return c == null ? 0 : c.count();
    }
}
