package dev.tandem.schemas.registry.server;

import java.util.ArrayList;
import java.util.List;

/**
 * A store that lives as long as the object: for tests and the mock registry. Closing it keeps
 * its contents, so a server restarted on the same instance keeps its ids.
 */
public final class InMemorySchemaStore implements SchemaStore {
    private final List<StoreRecord> records = new ArrayList<>();

    @Override
    public synchronized List<StoreRecord> load() {
        return List.copyOf(records);
    }

    @Override
    public synchronized void append(StoreRecord record) {
        records.add(record);
    }

    @Override
    public void close() {}
}
