package dev.tandem.schemas.kafka;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TransactionAbortableException;
import org.apache.kafka.common.errors.TransactionAbortedException;
import org.apache.kafka.common.errors.UnknownProducerIdException;

/**
 * Decides whether a Kafka Streams app replaces a failed stream thread or shuts down.
 *
 * <p>A broker outage longer than the transaction timeout makes the coordinator abort the open transaction; the
 * thread's next {@code commitTransaction} then fails with {@link InvalidTxnStateException}, which Streams does not
 * treat as a task migration and hands to the uncaught-exception handler. Nothing of that transaction was ever
 * readable, so closing the thread's tasks dirty and restoring them in a new thread keeps exactly once. Shutting the
 * client down instead (what a blanket handler does) stops the app for good on a transient fault.
 *
 * <p>Anything else (a bug, a corrupt store, a deterministic error) shuts the client down: replacing the thread would
 * fail again on the same record. Transient failures that keep coming are also given up on after {@code maxReplacements}
 * within {@code window}, so a broker that never returns ends in a shutdown an operator sees, not a silent loop.
 */
public final class StreamThreadFailures {
    private final int maxReplacements;
    private final Duration window;
    private final Clock clock;
    private final Deque<Long> replacements = new ArrayDeque<>();

    public StreamThreadFailures(int maxReplacements, Duration window, Clock clock) {
        if (maxReplacements < 0) throw new IllegalArgumentException("maxReplacements must be >= 0");
        this.maxReplacements = maxReplacements;
        this.window = window;
        this.clock = clock;
    }

    /** Up to 5 replacements within 10 minutes: enough for a rolling broker restart, short of an endless loop. */
    public static StreamThreadFailures defaults() {
        return new StreamThreadFailures(5, Duration.ofMinutes(10), Clock.systemUTC());
    }

    /** True when the thread that failed with {@code failure} should be replaced; false to shut the client down. */
    public synchronized boolean replaceThread(Throwable failure) {
        if (!isTransient(failure)) return false;
        long now = clock.millis();
        while (!replacements.isEmpty() && replacements.peekFirst() <= now - window.toMillis()) {
            replacements.pollFirst();
        }
        if (replacements.size() >= maxReplacements) return false;
        replacements.addLast(now);
        return true;
    }

    /** A producer transaction lost to the broker or a retriable client error anywhere in the cause chain. */
    public static boolean isTransient(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InvalidTxnStateException
                    || t instanceof TransactionAbortedException
                    || t instanceof TransactionAbortableException
                    || t instanceof UnknownProducerIdException
                    || t instanceof OutOfOrderSequenceException
                    || t instanceof RetriableException) {
                return true;
            }
        }
        return false;
    }
}
