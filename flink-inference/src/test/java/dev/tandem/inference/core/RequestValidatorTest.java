package dev.tandem.inference.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.inference.Fixtures;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.topics.DeadLetterReason;
import org.junit.jupiter.api.Test;

class RequestValidatorTest {
    private final RequestValidator v = new RequestValidator(10);

    private static DeadLetterReason reasonOf(RequestValidator v, ScoringRequest r) {
        try {
            v.validate(r);
            return null;
        } catch (RequestValidator.InvalidRequestException e) {
            assertThat(e.getMessage()).isNotBlank();
            return e.reason();
        }
    }

    @Test
    void acceptsAWellFormedRequestAtTheLengthLimit() {
        assertThat(reasonOf(v, Fixtures.request("r", "u".repeat(10), 1, "i".repeat(10), "j")))
                .isNull();
    }

    @Test
    void refusesEachProblemWithItsReason() {
        assertThat(reasonOf(v, Fixtures.request("r", "", 1, "i"))).isEqualTo(DeadLetterReason.MISSING_USER_ID);
        assertThat(reasonOf(v, Fixtures.request("r", "  ", 1, "i"))).isEqualTo(DeadLetterReason.MISSING_USER_ID);
        assertThat(reasonOf(v, Fixtures.request("", "u", 1, "i"))).isEqualTo(DeadLetterReason.MISSING_FIELD);
        assertThat(reasonOf(v, Fixtures.request("r", "u", 1, new String[0]))).isEqualTo(DeadLetterReason.NO_CANDIDATES);
        assertThat(reasonOf(v, Fixtures.request("r", "u", 1, "i", ""))).isEqualTo(DeadLetterReason.MISSING_FIELD);
        assertThat(reasonOf(v, Fixtures.request("r", "u".repeat(11), 1, "i"))).isEqualTo(DeadLetterReason.ID_TOO_LONG);
        assertThat(reasonOf(v, Fixtures.request("r".repeat(11), "u", 1, "i"))).isEqualTo(DeadLetterReason.ID_TOO_LONG);
        assertThat(reasonOf(v, Fixtures.request("r", "u", 1, "i", "x".repeat(11))))
                .isEqualTo(DeadLetterReason.ID_TOO_LONG);
    }

    @Test
    void reasonCodesAreTheHeaderValues() {
        assertThat(DeadLetterReason.DESERIALIZATION.code()).isEqualTo("deserialization");
        assertThat(DeadLetterReason.MISSING_USER_ID.code()).isEqualTo("missing-user-id");
        assertThatThrownBy(() -> new RequestValidator(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
