package dev.tandem.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class OutputLedgerTest {
    @Test
    void oneOutputPerInputPasses() {
        OutputLedger l = new OutputLedger();
        assertThat(l.add("u1", 1, 10)).isTrue();
        assertThat(l.add("u1", 2, 20)).isTrue();
        assertThat(l.add("u2", 1, 30)).isTrue();

        assertThatCode(() -> l.requireExactly(3, "run", "(user, version)")).doesNotThrowAnyException();
        assertThat(l.records()).isEqualTo(3);
        assertThat(l.meanValueBytes()).isEqualTo(20.0);
    }

    @Test
    void aDuplicateFailsEvenWhenTheCountOfRecordsMatches() {
        OutputLedger l = new OutputLedger();
        l.add("u1", 1, 1);
        l.add("u2", 1, 1);
        assertThat(l.add("u1", 1, 1)).isFalse();

        assertThat(l.duplicates()).isEqualTo(1);
        // three records for three inputs, but u2's second input has no output and u1's first has two
        assertThatThrownBy(() -> l.requireExactly(3, "real topology (commit 20 ms)", "(user_id, sequence_version)"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("real topology (commit 20 ms)")
                .hasMessageContaining("1 duplicate output(s) (same (user_id, sequence_version) twice, e.g. (u1, 1))")
                .hasMessageContaining("1 of 3 inputs without an output");
    }

    @Test
    void aMissingOutputFails() {
        OutputLedger l = new OutputLedger();
        l.add("e-", 0, 1);
        l.add("e-", 2, 1);

        assertThatThrownBy(() -> l.requireExactly(3, "raw ring reference", "event_id"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("1 of 3 inputs without an output")
                .hasMessageNotContaining("duplicate");
    }

    @Test
    void moreDistinctOutputsThanInputsFail() {
        OutputLedger l = new OutputLedger();
        l.add("e-", 0, 1);
        l.add("e-", 1, 1);

        assertThatThrownBy(() -> l.requireExactly(1, "run", "event_id"))
                .hasMessageContaining("2 distinct outputs for 1 inputs");
    }
}
