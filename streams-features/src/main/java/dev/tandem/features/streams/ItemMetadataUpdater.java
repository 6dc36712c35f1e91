package dev.tandem.features.streams;

import static dev.tandem.features.FeatureNames.ITEM_METADATA_STORE;

import dev.tandem.features.metrics.FeatureMetrics;
import dev.tandem.schemas.ItemMetadata;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the global {@code item-metadata} store: the wire-format bytes of the latest readable
 * {@code ItemMetadata} per item, deleted on a tombstone. An unreadable record is counted and logged and
 * leaves the previous value in place. (On restore Kafka Streams copies the topic into a global store
 * without this processor, so readers of the store tolerate unreadable bytes too.)
 */
public final class ItemMetadataUpdater implements Processor<String, byte[], Void, Void> {
    private static final Logger LOG = LoggerFactory.getLogger(ItemMetadataUpdater.class);
    private final Deserializer<ItemMetadata> deserializer;
    private final String topic;
    private final FeatureMetrics metrics;
    private KeyValueStore<String, byte[]> store;

    public ItemMetadataUpdater(Deserializer<ItemMetadata> deserializer, String topic, FeatureMetrics metrics) {
        this.deserializer = deserializer;
        this.topic = topic;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(ITEM_METADATA_STORE);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        if (record.key() == null) {
            metrics.badItem();
            return;
        }
        if (record.value() == null) {
            store.delete(record.key());
            return;
        }
        try {
            deserializer.deserialize(topic, record.value());
        } catch (RuntimeException e) {
            metrics.badItem();
            LOG.warn("unreadable item metadata for item '{}' ignored: {}", record.key(), e.toString());
            return;
        }
        store.put(record.key(), record.value());
    }
}
