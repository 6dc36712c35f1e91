package dev.tandem.inference.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RequestDeadlineTest {
    private final RequestDeadline halfASecond = RequestDeadline.of(Duration.ofMillis(500));

    @Test
    void aRequestOlderThanTheDeadlineIsPastItAndOneExactlyThatOldIsNot() {
        long requestTime = 1_000_000;
        assertThat(halfASecond.enabled()).isTrue();
        assertThat(halfASecond.isPast(requestTime, requestTime)).isFalse();
        assertThat(halfASecond.isPast(requestTime, requestTime + 499)).isFalse();
        assertThat(halfASecond.isPast(requestTime, requestTime + 500)).isFalse();
        assertThat(halfASecond.isPast(requestTime, requestTime + 501)).isTrue();
        assertThat(halfASecond.isPast(requestTime, requestTime + 3_600_000)).isTrue();
    }

    @Test
    void aRequestTimeAheadOfTheClockIsNeverPast() {
        assertThat(halfASecond.isPast(2_000_000, 1_000_000)).isFalse();
        assertThat(halfASecond.isPast(Long.MAX_VALUE, 1_000_000)).isFalse();
    }

    @Test
    void anAncientRequestTimeDoesNotOverflowIntoYoung() {
        assertThat(halfASecond.isPast(Long.MIN_VALUE, 1_000_000)).isTrue();
        assertThat(halfASecond.isPast(Long.MIN_VALUE + 1, 0)).isTrue();
    }

    @Test
    void noDeadlineNeverRefuses() {
        for (RequestDeadline none :
                new RequestDeadline[] {RequestDeadline.NONE, RequestDeadline.of(null), RequestDeadline.of(Duration.ZERO)
                }) {
            assertThat(none.enabled()).isFalse();
            assertThat(none.isPast(Long.MIN_VALUE, Long.MAX_VALUE)).isFalse();
            assertThat(none.isPast(0, 1)).isFalse();
        }
    }

    @Test
    void aSubMillisecondDeadlineIsOneMillisecondAndANegativeOneIsRefused() {
        RequestDeadline tiny = RequestDeadline.of(Duration.ofNanos(10));
        assertThat(tiny.enabled()).isTrue();
        assertThat(tiny.isPast(100, 101)).isFalse();
        assertThat(tiny.isPast(100, 102)).isTrue();
        assertThatThrownBy(() -> RequestDeadline.of(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theRefusalSaysHowOldTheRequestWasAndTheDeadline() {
        RequestDeadline.PastDeadlineException e = halfASecond.refusal("r-7", 1_000, 2_250);
        assertThat(e.getMessage()).contains("r-7").contains("1250 ms old").contains("deadline of 500 ms");
        assertThat(e.getStackTrace()).as("cheap to make under a backlog").isEmpty();
    }
}
