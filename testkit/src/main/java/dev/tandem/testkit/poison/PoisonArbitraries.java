package dev.tandem.testkit.poison;

import dev.tandem.schemas.serde.WireFormat;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * jqwik arbitraries for fuzzing a decoder of wire-format records: random bytes, and valid records mutated the ways
 * {@link PoisonCorpus} names (bit flips, truncation, extension, another schema id, a wrong magic byte, a length or
 * count varint replaced by an absurd one). Needs jqwik on the test classpath (testkit declares it optional).
 */
public final class PoisonArbitraries {
    private PoisonArbitraries() {}

    /** Random bytes, mostly short, sometimes starting like the wire format so decoding gets past the header. */
    public static Arbitrary<byte[]> randomBytes() {
        Arbitrary<byte[]> any = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
        Arbitrary<byte[]> headed = Combinators.combine(Arbitraries.integers().between(0, 8), any)
                .as((id, body) -> {
                    byte[] b = new byte[WireFormat.HEADER_SIZE + body.length];
                    b[4] = (byte) (int) id;
                    System.arraycopy(body, 0, b, WireFormat.HEADER_SIZE, body.length);
                    return b;
                });
        return Arbitraries.oneOf(any, headed);
    }

    /**
     * One of {@code valid} (wire-format records), mutated. {@code schemaIds} are ids worth swapping in (the registry's
     * own, so the body is read with the wrong writer schema), next to arbitrary ones.
     */
    public static Arbitrary<byte[]> mutated(List<byte[]> valid, List<Integer> schemaIds) {
        Arbitrary<byte[]> base = Arbitraries.of(valid);
        Arbitrary<Integer> ids = Arbitraries.oneOf(Arbitraries.of(schemaIds), Arbitraries.integers());
        return Arbitraries.oneOf(
                base.flatMap(PoisonArbitraries::bitFlips),
                base.flatMap(
                        v -> Arbitraries.integers().between(0, v.length - 1).map(n -> PoisonCorpus.truncated(v, n))),
                base.flatMap(v -> Arbitraries.bytes()
                        .array(byte[].class)
                        .ofMinSize(1)
                        .ofMaxSize(64)
                        .map(extra -> PoisonCorpus.extended(v, extra))),
                Combinators.combine(base, ids).as(PoisonCorpus::withSchemaId),
                Combinators.combine(base, Arbitraries.bytes().filter(b -> b != WireFormat.MAGIC_BYTE))
                        .as(PoisonCorpus::withMagic),
                base.flatMap(PoisonArbitraries::absurdVarint));
    }

    private static Arbitrary<byte[]> bitFlips(byte[] v) {
        return Arbitraries.integers()
                .between(0, v.length * 8 - 1)
                .list()
                .ofMinSize(1)
                .ofMaxSize(8)
                .map(bits -> {
                    byte[] b = v.clone();
                    for (int bit : bits) b[bit / 8] ^= (byte) (1 << (bit % 8));
                    return b;
                });
    }

    /** A varint of the body (a length, a count, a union branch or a number) replaced by a huge or negative one. */
    private static Arbitrary<byte[]> absurdVarint(byte[] v) {
        Arbitrary<Long> values = Arbitraries.oneOf(
                Arbitraries.of(
                        (long) Integer.MAX_VALUE,
                        Integer.MAX_VALUE - 8L,
                        Integer.MAX_VALUE - 16L,
                        1L << 40,
                        Long.MAX_VALUE,
                        Long.MIN_VALUE,
                        -1L,
                        -2L),
                Arbitraries.longs().between(100_000, Integer.MAX_VALUE));
        return Combinators.combine(Arbitraries.integers().between(0, 12), values)
                .as((skip, value) -> PoisonCorpus.withVarint(v, skip, value));
    }
}
