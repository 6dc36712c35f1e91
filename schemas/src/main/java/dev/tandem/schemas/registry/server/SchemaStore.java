package dev.tandem.schemas.registry.server;

import java.util.List;

/**
 * Durable log of a registry's changes. {@link RegistryCore} reads it once when it starts and
 * appends every change before applying it, so what a client was told is always persisted.
 * One registry writes to a store at a time (like Confluent's single leader).
 */
public interface SchemaStore extends AutoCloseable {

    /** Every record persisted so far, in write order. */
    List<StoreRecord> load();

    /** Persists {@code record}; returns only once it is durable, throws if it is not. */
    void append(StoreRecord record);

    @Override
    void close();
}
