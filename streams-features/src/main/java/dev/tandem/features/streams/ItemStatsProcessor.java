package dev.tandem.features.streams;

import static dev.tandem.features.FeatureNames.ITEM_METADATA_STORE;
import static dev.tandem.features.FeatureNames.ITEM_STATS_STORE;

import dev.tandem.features.metrics.FeatureMetrics;
import dev.tandem.features.sequence.ItemStats;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.schemas.ItemMetadata;
import java.util.Objects;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * After the repartition by item id: folds each accepted view, cart or purchase into the item's
 * {@link ItemStats} in the {@code item-stats} store and forwards {@link ItemFeatures}: the stats as of
 * the item's latest event, joined with the item's metadata from the global {@code item-metadata}
 * store when it is there (null when absent or unreadable).
 */
public final class ItemStatsProcessor implements Processor<String, ItemEvent, String, ItemFeatures> {
    private final SequencePolicy policy;
    private final Deserializer<ItemMetadata> metadataDeserializer;
    private final String itemsTopic;
    private final boolean forward;
    private final FeatureMetrics metrics;
    private ProcessorContext<String, ItemFeatures> context;
    private KeyValueStore<String, byte[]> stats;
    private KeyValueStore<String, byte[]> metadata;

    public ItemStatsProcessor(
            SequencePolicy policy,
            Deserializer<ItemMetadata> metadataDeserializer,
            String itemsTopic,
            boolean forward,
            FeatureMetrics metrics) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.metadataDeserializer = metadataDeserializer;
        this.itemsTopic = itemsTopic;
        this.forward = forward;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, ItemFeatures> context) {
        this.context = context;
        this.stats = context.getStateStore(ITEM_STATS_STORE);
        this.metadata = context.getStateStore(ITEM_METADATA_STORE);
    }

    @Override
    public void process(Record<String, ItemEvent> record) {
        ItemEvent e = record.value();
        if (record.key() == null || e == null) {
            return; // cannot happen: the user processor only forwards accepted events with an item id
        }
        byte[] stored = stats.get(record.key());
        ItemStats s = stored == null ? new ItemStats(policy) : ItemStats.decode(stored, policy);
        s.record(e.action(), e.eventTimeMs());
        stats.put(record.key(), s.encode());
        if (forward) {
            context.forward(record.withValue(features(record.key(), s)));
        }
    }

    ItemFeatures features(String itemId, ItemStats s) {
        return new ItemFeatures(itemId, s.latestEventTimeMs(), s.asOf(s.latestEventTimeMs()), lookup(itemId));
    }

    private ItemFeatures.Metadata lookup(String itemId) {
        byte[] bytes = metadata.get(itemId);
        if (bytes == null) {
            return null;
        }
        try {
            return ItemFeatures.Metadata.of(metadataDeserializer.deserialize(itemsTopic, bytes));
        } catch (RuntimeException ex) {
            metrics.badItem();
            return null;
        }
    }
}
