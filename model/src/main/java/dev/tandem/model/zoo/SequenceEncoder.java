package dev.tandem.model.zoo;

import java.util.Arrays;
import java.util.List;

/** How the behaviour sequence is pooled into one vector; {@link #code()} is the value of {@link ModelConfig#sequenceEncoder()}. */
public enum SequenceEncoder {
    /** Masked mean of the kept events. */
    MEAN("mean"),
    /** DIN-style attention of the candidate over the kept events. */
    TARGET_ATTENTION("target_attention"),
    /** One self-attention block over the kept events, then target attention. */
    TRANSFORMER("transformer");

    private static final List<String> CODES =
            Arrays.stream(values()).map(SequenceEncoder::code).toList();

    private final String code;

    SequenceEncoder(String code) {
        this.code = code;
    }

    /** The name in configs, cards and on the command line. */
    public String code() {
        return code;
    }

    /** Every code, in declaration order. */
    public static List<String> codes() {
        return CODES;
    }

    /** @throws IllegalArgumentException naming the accepted codes */
    public static SequenceEncoder of(String code) {
        for (SequenceEncoder e : values()) {
            if (e.code.equals(code)) {
                return e;
            }
        }
        throw new IllegalArgumentException("sequenceEncoder must be one of " + CODES + ", was '" + code + "'");
    }
}
