package dev.tandem.schemas.kafka;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * One callback shared by every send: counts acknowledged and failed records and keeps the first
 * failure. Holding a Future per record would cost an allocation and a reference per event and
 * still need a pass over them at the end.
 */
public final class SendErrors implements Callback {
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<Exception> first = new AtomicReference<>();

    @Override
    public void onCompletion(RecordMetadata metadata, Exception exception) {
        if (exception == null) {
            acked.incrementAndGet();
        } else {
            failed.incrementAndGet();
            first.compareAndSet(null, exception);
        }
    }

    public long acked() {
        return acked.get();
    }

    public long failed() {
        return failed.get();
    }

    /** Call after {@code flush()}: every callback has run by then. */
    public void throwIfFailed(String what) {
        long n = failed.get();
        if (n > 0) {
            Exception e = first.get();
            throw new SendFailedException(
                    n + " " + what + " could not be sent; first error: "
                            + e.getClass().getSimpleName() + ": " + e.getMessage(),
                    e);
        }
    }

    public static final class SendFailedException extends RuntimeException {
        SendFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
