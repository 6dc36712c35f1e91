package dev.tandem.testkit;

/** Kafka or the schema registry did not answer; the message says where and what to do. */
public final class UnreachableException extends RuntimeException {
    public UnreachableException(String message) {
        super(message);
    }
}
