package dev.tandem.inference.core;

import dev.tandem.schemas.topics.DeadLetterReason;
import java.time.Duration;

/**
 * How old a scoring request may be when its turn to be scored comes: its age is the scoring time minus its
 * {@code request_time} (the client's clock, as the client counts its wait). A request past the deadline is not
 * scored ({@link DeadLetterReason#DEADLINE}), so a backlog sheds load instead of serving answers nobody waits for
 * any more. A request time ahead of the scoring clock gives a negative age: never past. Pure Java, no Flink types;
 * the caller passes the time.
 */
public final class RequestDeadline implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    /** No deadline: every request is scored, however old (replays, benchmarks on recorded requests). */
    public static final RequestDeadline NONE = new RequestDeadline(0);

    /** Why a request was not scored; no stack trace (a backlog may refuse thousands per second). */
    public static final class PastDeadlineException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PastDeadlineException(String message) {
            super(message, null, false, false);
        }
    }

    private final long deadlineMs;

    private RequestDeadline(long deadlineMs) {
        this.deadlineMs = deadlineMs;
    }

    /** {@code deadline} (at least 1 ms); null or zero: {@link #NONE}. */
    public static RequestDeadline of(Duration deadline) {
        if (deadline == null || deadline.isZero()) {
            return NONE;
        }
        if (deadline.isNegative()) {
            throw new IllegalArgumentException("a request deadline must be >= 0, was " + deadline);
        }
        return new RequestDeadline(Math.max(1, deadline.toMillis()));
    }

    public boolean enabled() {
        return deadlineMs > 0;
    }

    /** True when a request of {@code requestTimeMs} is older than the deadline at {@code nowMs}; exactly the deadline old is not. */
    public boolean isPast(long requestTimeMs, long nowMs) {
        // compared without computing the age: a request time near Long.MIN_VALUE must not overflow into "young"
        return enabled() && requestTimeMs < nowMs - deadlineMs;
    }

    /** What the dead letter of a request past the deadline says (its error class and message). */
    public PastDeadlineException refusal(String requestId, long requestTimeMs, long nowMs) {
        return new PastDeadlineException("request " + requestId + " was " + (nowMs - requestTimeMs)
                + " ms old when its turn to be scored came, past the deadline of " + deadlineMs + " ms");
    }

    @Override
    public String toString() {
        return enabled() ? deadlineMs + " ms" : "none";
    }
}
