package dev.tandem.model.zoo;

import java.util.Arrays;
import java.util.List;

/** How the shared layers feed the per-stage towers; {@link #code()} is the value of {@link ModelConfig#architecture()}. */
public enum Architecture {
    /** One MLP shared by every task. */
    SHARED_BOTTOM("shared_bottom"),
    /** Multi-gate mixture of experts: each task mixes the shared experts with its own softmax gate. */
    MMOE("mmoe"),
    /** Progressive layered extraction, one CGC layer: each task gates over its own experts and the shared ones. */
    PLE("ple"),
    /**
     * No deep part: each stage's logit is the wide part alone (a logistic regression per step of the funnel over
     * the dense inputs and the item rates), what a deep model must beat to be kept.
     */
    LINEAR("linear");

    private static final List<String> CODES =
            Arrays.stream(values()).map(Architecture::code).toList();

    private final String code;

    Architecture(String code) {
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
    public static Architecture of(String code) {
        for (Architecture a : values()) {
            if (a.code.equals(code)) {
                return a;
            }
        }
        throw new IllegalArgumentException("architecture must be one of " + CODES + ", was '" + code + "'");
    }
}
