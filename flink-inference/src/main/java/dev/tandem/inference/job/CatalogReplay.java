package dev.tandem.inference.job;

import dev.tandem.schemas.ItemMetadata;
import java.io.Serializable;
import java.util.function.Consumer;

/**
 * Where a restored job rebuilds its catalog when the catalog is kept out of Flink state
 * ({@code scoring.catalog.state=topic}): every item the {@code items} topic holds when called, in topic order per
 * partition. Broadcast state is copied whole into every checkpoint by every subtask, so a catalog held there costs
 * each checkpoint its full size; the compacted topic already holds the same catalog and is read once per restore
 * instead. Records the job would dead-letter are skipped here: the job dead-lettered them when it first read them.
 */
public interface CatalogReplay extends Serializable {
    /** Hands every item to {@code sink}; returns how many records were skipped as unusable. */
    long replay(Consumer<ItemMetadata> sink) throws Exception;
}
