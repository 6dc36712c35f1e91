package dev.tandem.schemas.kafka;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

class StreamThreadFailuresTest {

    /** What Streams 4.2 hands the handler when the coordinator aborted the open transaction during an outage. */
    private static Throwable abortedCommit() {
        return new KafkaException(
                "Error encountered trying to commit a transaction",
                new InvalidTxnStateException("The producer attempted a transactional operation in an invalid state"));
    }

    @Test
    void aTransactionLostToTheBrokerReplacesTheThread() {
        assertTrue(StreamThreadFailures.isTransient(abortedCommit()));
        assertTrue(StreamThreadFailures.isTransient(new KafkaException("wrapped", new TimeoutException("metadata"))));
        assertTrue(StreamThreadFailures.defaults().replaceThread(abortedCommit()));
    }

    @Test
    void aDeterministicErrorShutsTheClientDown() {
        StreamThreadFailures failures = StreamThreadFailures.defaults();
        assertFalse(failures.replaceThread(new IllegalStateException("bug")));
        assertFalse(failures.replaceThread(new KafkaException("x", new SerializationException("corrupt"))));
        assertFalse(failures.replaceThread(new KafkaException("commit failed")));
    }

    @Test
    void transientFailuresThatKeepComingEndInAShutdownUntilTheWindowPasses() {
        MutableClock clock = new MutableClock();
        StreamThreadFailures failures = new StreamThreadFailures(2, Duration.ofMinutes(10), clock);
        assertTrue(failures.replaceThread(abortedCommit()));
        clock.advance(Duration.ofMinutes(1));
        assertTrue(failures.replaceThread(abortedCommit()));
        clock.advance(Duration.ofMinutes(1));
        assertFalse(failures.replaceThread(abortedCommit()), "a third within 10 minutes");
        clock.advance(Duration.ofMinutes(8));
        assertTrue(failures.replaceThread(abortedCommit()), "the first has left the window");
    }

    @Test
    void aSelfCausedExceptionDoesNotLoop() {
        Throwable loop = new KafkaException("self") {
            @Override
            public synchronized Throwable getCause() {
                return this;
            }
        };
        assertFalse(StreamThreadFailures.isTransient(loop));
    }

    private static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-12-07T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
