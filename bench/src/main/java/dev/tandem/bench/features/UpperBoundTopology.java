package dev.tandem.bench.features;

import java.util.Arrays;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The upper bound of {@code tandem bench features}: the Kafka work per event that the real app cannot avoid, with none of
 * its logic. Per event: read it (bytes, never decoded), put a constant 8-byte value under its key into a store like the
 * real app's {@code user-sequences} (same changelog, same record-cache setting; no read), and write one output record of
 * the real app's mean output size: the event's own bytes padded with zeros, so each output still names the event it
 * answers. Records with an empty key or value are skipped.
 *
 * <p>Why it bounds the real app: on the same input, with the same Streams settings and exactly-once, the real topology does
 * all of this for every event (one input record, one store write and its changelog record, one output record of that
 * size on average) and more besides: it decodes and validates the event, reads the user's sequence from the store, writes
 * back a value larger than 8 bytes, encodes {@code UserFeatures}, and, with its item path, writes and reads a repartition
 * topic and a second store. The padding compresses better than real features do, which only makes the bound's work
 * smaller. So the real app cannot be faster than this, except by measurement noise.
 */
final class UpperBoundTopology {
    static final String STORE = "upper-bound";
    private static final byte[] CONSTANT = new byte[8];

    private UpperBoundTopology() {}

    /**
     * @param outputBytes the size of each output value (the real app's mean); an event longer than that is forwarded whole
     * @param cachedStore Kafka Streams' record cache on the store, as the real app's store has it or not
     */
    static Topology build(String events, String output, int outputBytes, boolean cachedStore) {
        StreamsBuilder b = new StreamsBuilder();
        var store = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(STORE), Serdes.ByteArray(), Serdes.ByteArray());
        b.addStateStore(cachedStore ? store.withCachingEnabled() : store);
        b.stream(events, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("bound-events"))
                .process(() -> new BoundProcessor(outputBytes), Named.as("bound-processor"), STORE)
                .to(
                        output,
                        Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("bound-sink"));
        return b.build();
    }

    /** The event's bytes, padded with zeros to {@code size} (never cut). */
    static byte[] padded(byte[] event, int size) {
        return event.length >= size ? event : Arrays.copyOf(event, size);
    }

    static final class BoundProcessor implements Processor<byte[], byte[], byte[], byte[]> {
        private final int outputBytes;
        private ProcessorContext<byte[], byte[]> context;
        private KeyValueStore<byte[], byte[]> store;

        BoundProcessor(int outputBytes) {
            this.outputBytes = outputBytes;
        }

        @Override
        public void init(ProcessorContext<byte[], byte[]> context) {
            this.context = context;
            this.store = context.getStateStore(STORE);
        }

        @Override
        public void process(Record<byte[], byte[]> record) {
            if (record.key() == null || record.value() == null || record.value().length == 0) return;
            store.put(record.key(), CONSTANT);
            context.forward(record.withValue(padded(record.value(), outputBytes)));
        }
    }
}
