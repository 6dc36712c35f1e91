package dev.tandem.inference.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.schemas.topics.DeadLetterHeaders;
import dev.tandem.schemas.topics.DeadLetterReason;
import org.junit.jupiter.api.Test;

class DeadLetterTest {
    private static final RawRecord SOURCE =
            RawRecord.of("model-control", 2, 7L, 99L, new byte[] {1}, new byte[] {2, 3});

    @Test
    void keepsTheSourceAndTheErrorAsHeaderValues() {
        DeadLetter d =
                DeadLetter.of(SOURCE, DeadLetterReason.MODEL_REFUSED, new IllegalStateException("spec mismatch"));
        assertThat(d.sourceTopic).isEqualTo("model-control");
        assertThat(d.sourcePartition).isEqualTo(2);
        assertThat(d.sourceOffset).isEqualTo(7L);
        assertThat(d.timestamp).isEqualTo(99L);
        assertThat(d.key).containsExactly(1);
        assertThat(d.value).containsExactly(2, 3);
        assertThat(d.reason).isEqualTo("model-refused");
        assertThat(d.errorClass).isEqualTo(IllegalStateException.class.getName());
        assertThat(d.errorMessage).isEqualTo("spec mismatch");
    }

    @Test
    void theContextPrefixesTheMessageAndTheWholeIsCutOnce() {
        assertThat(DeadLetter.of(
                                SOURCE,
                                DeadLetterReason.INVALID_MODEL_COMMAND,
                                new IllegalStateException("no previous"),
                                "subtask 1: ROLLBACK")
                        .errorMessage)
                .isEqualTo("subtask 1: ROLLBACK: no previous");
        String longMessage = "m".repeat(DeadLetterHeaders.MAX_MESSAGE_CHARS + 10);
        String cut = DeadLetter.of(
                        SOURCE, DeadLetterReason.MODEL_REFUSED, new IllegalStateException(longMessage), "ctx")
                .errorMessage;
        assertThat(cut)
                .hasSize(DeadLetterHeaders.MAX_MESSAGE_CHARS + 1)
                .startsWith("ctx: mmm")
                .endsWith("m…");
    }
}
