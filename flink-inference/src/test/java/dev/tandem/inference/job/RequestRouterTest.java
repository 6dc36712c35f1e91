package dev.tandem.inference.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.inference.Fixtures;
import dev.tandem.inference.core.DeadLetter;
import dev.tandem.inference.core.RawRecord;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.topics.TandemTopics;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RequestRouterTest {
    private static final String REGISTRY = "mock://request-router";
    private OneInputStreamOperatorTestHarness<RawRecord, UserInput> h;

    @BeforeEach
    void setUp() throws Exception {
        h = ProcessFunctionTestHarnesses.forProcessFunction(new RequestRouter(REGISTRY, 64));
    }

    @AfterEach
    void tearDown() throws Exception {
        h.close();
    }

    private List<DeadLetter> dead() {
        return h.getSideOutput(RequestDecoder.DEAD_LETTERS) == null
                ? List.of()
                : h.getSideOutput(RequestDecoder.DEAD_LETTERS).stream()
                        .map(r -> r.getValue())
                        .toList();
    }

    @Test
    void aRequestCrossesAsItsOwnBytesWithTheUserIdReadFromThem() throws Exception {
        ScoringRequest r = Fixtures.request("r1", "user-ü", 1_000, "i1", "i2");
        RawRecord raw = Fixtures.rawBytes(null, Fixtures.encoded(r, REGISTRY), 3);

        h.processElement(raw, 1);

        assertThat(h.extractOutputValues()).singleElement().satisfies(u -> {
            assertThat(u.userId).isEqualTo("user-ü");
            assertThat(u.rawRequest.value).isEqualTo(raw.value);
            assertThat(u.rawRequest.offset).isEqualTo(3);
            assertThat(u.request).isNull();
        });
        assertThat(dead()).isEmpty();
    }

    @Test
    void aWriterSchemaWithAnotherLayoutIsDecodedInFullInstead() throws Exception {
        // same record name, user_id first: the bytes alone would give the request id as the user
        Schema swapped = SchemaBuilder.record("ScoringRequest")
                .namespace("dev.tandem.schemas")
                .fields()
                .requiredString("user_id")
                .requiredString("request_id")
                .name("candidates")
                .type()
                .array()
                .items(ScoringRequest.getClassSchema()
                        .getField("candidates")
                        .schema()
                        .getElementType())
                .noDefault()
                .name("request_time")
                .type()
                .longType()
                .noDefault()
                .endRecord();
        SchemaRegistryClient registry = SchemaRegistryClients.forUrl(REGISTRY, Map.of());
        GenericRecord g = new GenericData.Record(swapped);
        g.put("user_id", "u-swapped");
        g.put("request_id", "r-swapped");
        GenericRecord cand =
                new GenericData.Record(swapped.getField("candidates").schema().getElementType());
        cand.put("item_id", "i1");
        g.put("candidates", List.of(cand));
        g.put("request_time", 5L);
        byte[] bytes = new TandemAvroSerializer<GenericRecord>(registry, false)
                .serialize(TandemTopics.SCORING_REQUESTS + "-other", g);

        assertThat(RequestRouter.idsFirst(swapped)).isFalse();
        assertThat(RequestRouter.idsFirst(ScoringRequest.getClassSchema())).isTrue();

        h.processElement(Fixtures.rawBytes(null, bytes, 0), 1);

        assertThat(h.extractOutputValues())
                .singleElement()
                .satisfies(u -> assertThat(u.userId).isEqualTo("u-swapped"));
    }

    @Test
    void bytesThatCannotBeRoutedGoToDeadLettersAndNothingElseStops() throws Exception {
        byte[] good = Fixtures.encoded(Fixtures.request("r1", "u1", 1_000, "i1"), REGISTRY);
        byte[] cut = Arrays.copyOf(good, 8); // the user id's length points past the end
        byte[] hugeLength = good.clone();
        hugeLength[5] = (byte) 0xfe; // request_id's length as a two-byte varint: 8,191 bytes, past the end
        hugeLength[6] = (byte) 0x7f;

        h.processElement(Fixtures.rawBytes(null, cut, 0), 1);
        h.processElement(Fixtures.rawBytes(null, hugeLength, 1), 2);
        h.processElement(Fixtures.rawBytes(null, new byte[] {1, 2, 3, 4, 5}, 2), 3);
        h.processElement(Fixtures.rawBytes(null, null, 3), 4);
        h.processElement(Fixtures.rawBytes(null, good, 4), 5);

        assertThat(dead())
                .extracting(d -> d.reason)
                .containsExactly("deserialization", "deserialization", "deserialization", "null-value");
        assertThat(dead()).extracting(d -> d.sourceOffset).containsExactly(0L, 1L, 2L, 3L);
        assertThat(h.extractOutputValues())
                .singleElement()
                .satisfies(u -> assertThat(u.userId).isEqualTo("u1"));
    }
}
