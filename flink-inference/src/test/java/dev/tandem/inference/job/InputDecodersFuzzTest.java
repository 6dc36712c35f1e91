package dev.tandem.inference.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.inference.core.DeadLetter;
import dev.tandem.inference.core.RawRecord;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.poison.PoisonArbitraries;
import dev.tandem.testkit.poison.PoisonCorpus;
import dev.tandem.testkit.poison.ValidRecords;
import java.nio.charset.StandardCharsets;
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
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;

/**
 * The scoring job's decoders of Kafka bytes ({@code scoring-requests} through {@link RequestRouter} and then
 * {@link RequestDecoder}, {@code user-features} and {@code items} through {@link SourceRecordDecoder},
 * {@code model-control} through {@link ModelControlDecoder}), fuzzed with random bytes and mutated valid records: each
 * record comes out exactly once, decoded or as a dead letter with its original bytes and a reason, and nothing
 * throws (an exception there fails the task and, with checkpoints, restarts the job on the same record forever).
 */
class InputDecodersFuzzTest {
    private static final String REGISTRY = "mock://input-decoders-fuzz";
    private static final int MAX_ID = 256;
    private static final List<byte[]> VALID = new ArrayList<>();
    private static final List<Integer> IDS = new ArrayList<>();
    private static OneInputStreamOperatorTestHarness<RawRecord, UserInput> router;
    private static OneInputStreamOperatorTestHarness<RawRecord, ?> features;
    private static OneInputStreamOperatorTestHarness<RawRecord, ?> items;
    private static OneInputStreamOperatorTestHarness<RawRecord, ?> control;
    private static RequestDecoder join;
    private static long offset;

    @BeforeContainer
    static void open() throws Exception {
        TandemAvroSerializer<SpecificRecord> ser =
                new TandemAvroSerializer<>(SchemaRegistryClients.forUrl(REGISTRY, Map.of()), false);
        for (SpecificRecord r : ValidRecords.all()) {
            byte[] b = ser.serialize("fuzz-" + r.getSchema().getName(), r);
            VALID.add(b);
            IDS.add(PoisonCorpus.schemaId(b));
        }
        router = ProcessFunctionTestHarnesses.forProcessFunction(new RequestRouter(REGISTRY, MAX_ID));
        features = ProcessFunctionTestHarnesses.forProcessFunction(SourceRecordDecoder.userFeatures(REGISTRY, MAX_ID));
        items = ProcessFunctionTestHarnesses.forProcessFunction(SourceRecordDecoder.items(REGISTRY, MAX_ID));
        control = ProcessFunctionTestHarnesses.forProcessFunction(new ModelControlDecoder(REGISTRY));
        join = new RequestDecoder(REGISTRY, MAX_ID);
        join.open();
    }

    @AfterContainer
    static void close() throws Exception {
        for (var h : List.of(router, features, items, control)) h.close();
    }

    @Provide
    Arbitrary<byte[]> hostile() {
        return Arbitraries.oneOf(PoisonArbitraries.randomBytes(), PoisonArbitraries.mutated(VALID, IDS));
    }

    @Property(tries = 10_000)
    void scoringRequestsAreRoutedAndDecodedOrDeadLettered(@ForAll("hostile") byte[] value) throws Exception {
        RawRecord in = raw(TandemTopics.SCORING_REQUESTS, value);
        List<Object> out = once(router, in);
        if (out.isEmpty()) return; // dead-lettered by the router
        // routed by the user id in its first bytes: the join decodes it in full, and refuses it there if it must
        List<DeadLetter> refused = new ArrayList<>();
        var request = join.decode(
                ((UserInput) out.get(0)).rawRequest, (reason, error) -> refused.add(DeadLetter.of(in, reason, error)));
        assertThat(request == null).as("decoded xor refused").isEqualTo(refused.size() == 1);
        assertThat(refused).allSatisfy(d -> assertThat(d.value).isEqualTo(value));
    }

    @Property(tries = 10_000)
    void userFeaturesAreDecodedOrDeadLettered(@ForAll("hostile") byte[] value) throws Exception {
        once(features, raw(TandemTopics.USER_FEATURES, value));
    }

    @Property(tries = 10_000)
    void itemsAreDecodedOrDeadLettered(@ForAll("hostile") byte[] value) throws Exception {
        once(items, raw(TandemTopics.ITEMS, value));
    }

    @Property(tries = 10_000)
    void modelCommandsAreDecodedOrDeadLettered(@ForAll("hostile") byte[] value) throws Exception {
        once(control, raw(TandemTopics.MODEL_CONTROL, value));
    }

    private static RawRecord raw(String topic, byte[] value) {
        return RawRecord.of(topic, 0, offset++, 1_000L, "k".getBytes(StandardCharsets.UTF_8), value);
    }

    /** Processes {@code in}; asserts it came out exactly once, decoded or as a dead letter of its bytes; returns what was decoded. */
    private static List<Object> once(OneInputStreamOperatorTestHarness<RawRecord, ?> h, RawRecord in) throws Exception {
        h.processElement(in, 0);
        List<Object> out = new ArrayList<>(h.extractOutputValues());
        var side = h.getSideOutput(RequestDecoder.DEAD_LETTERS);
        List<DeadLetter> dead = side == null
                ? List.of()
                : side.stream().map(StreamRecord::getValue).toList();
        h.getOutput().clear();
        if (side != null) side.clear();
        assertThat(out.size() + dead.size())
                .as("decoded or dead-lettered, once")
                .isEqualTo(1);
        assertThat(dead).allSatisfy(d -> {
            assertThat(d.value).isEqualTo(in.value);
            assertThat(d.reason).isNotBlank();
            assertThat(d.errorMessage).isNotBlank();
        });
        return out;
    }
}
