package dev.tandem.features.sequence;

import static dev.tandem.features.sequence.Gen.SMALL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.schemas.UserFeatures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

/** {@link BehaviourSequence#userFeaturesAvro} writes exactly what Avro writes for {@link BehaviourSequence#toUserFeatures}. */
class UserFeaturesAvroPropertiesTest {
    private static final byte[] HEADER = {0, 0, 0, 0, 42};

    private static byte[] avro(UserFeatures f) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(HEADER);
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<UserFeatures>(UserFeatures.getClassSchema()).write(f, enc);
        enc.flush();
        return out.toByteArray();
    }

    /** Numeric and string ids (non-ASCII too), big and negative times, duplicates, late events. */
    @Provide
    Arbitrary<List<BehaviourEvent>> events() {
        Arbitrary<String> ids = Arbitraries.oneOf(
                Arbitraries.longs().between(0, (1L << 62) - 1).map(x -> Long.toString(x)),
                Arbitraries.of("0", "9", "10", "017", "a", "ç", "日本", "x-1", "-5", ""),
                Arbitraries.of(Gen.ITEMS));
        Arbitrary<BehaviourEvent> e = Combinators.combine(
                        Arbitraries.integers().between(0, 60).map(i -> "id-" + i),
                        ids,
                        ids,
                        Arbitraries.of(dev.tandem.schemas.Action.class),
                        Arbitraries.longs().between(-5_000_000_000_000L, 5_000_000_000_000L))
                .as(BehaviourEvent::new);
        return e.list().ofMaxSize(120);
    }

    @Property
    void sameBytesAsAvro(@ForAll("events") List<BehaviourEvent> events, @ForAll("userIds") String user)
            throws IOException {
        for (SequencePolicy p : List.of(SMALL, SequencePolicy.defaults())) {
            BehaviourSequence seq = new BehaviourSequence(p);
            assertThat(seq.userFeaturesAvro(HEADER, user)).isEqualTo(avro(seq.toUserFeatures(user)));
            for (BehaviourEvent e : events) {
                SequenceUpdater.apply(seq, e);
                assertThat(seq.userFeaturesAvro(HEADER, user)).isEqualTo(avro(seq.toUserFeatures(user)));
            }
        }
    }

    @Provide
    Arbitrary<String> userIds() {
        return Arbitraries.oneOf(
                Arbitraries.strings().ofMinLength(1).ofMaxLength(40), Arbitraries.of("u1", "1234567", "ü"));
    }

    @Test
    void emptySequence() throws IOException {
        BehaviourSequence seq = new BehaviourSequence(SequencePolicy.defaults());
        assertThat(seq.userFeaturesAvro(new byte[0], "u"))
                .isEqualTo(java.util.Arrays.copyOfRange(
                        avro(seq.toUserFeatures("u")), 5, avro(seq.toUserFeatures("u")).length));
    }
}
