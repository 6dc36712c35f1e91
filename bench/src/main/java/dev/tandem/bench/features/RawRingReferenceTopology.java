package dev.tandem.bench.features;

import java.nio.charset.StandardCharsets;
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
 * The raw ring reference of {@code tandem bench features}: the user's last N events kept as raw bytes, with the same
 * store, changelog and exactly-once as the real app and almost no processing. Per event: read the user's raw ring of
 * the last N event values (length-prefixed bytes, oldest first) from the store, append the event's bytes (dropping the
 * oldest beyond N), write it back, and forward the event's bytes. No deserialization, no counters, no Avro. Records with
 * an empty key or value are skipped.
 *
 * <p>Not an upper bound (it was once called the ceiling): its stored values, N whole events, are larger than the real
 * app's compact sequence, so the real app without its item path has run faster than it. {@link UpperBoundTopology} is
 * the bound.
 */
final class RawRingReferenceTopology {
    public static final String STORE = "raw-ring";

    private RawRingReferenceTopology() {}

    public static Topology build(String events, String output, int maxEvents) {
        return build(events, output, maxEvents, false);
    }

    /** {@code cachedStore}: Kafka Streams' record cache on the store (see {@link NaiveBaselineTopology#build}). */
    public static Topology build(String events, String output, int maxEvents, boolean cachedStore) {
        StreamsBuilder b = new StreamsBuilder();
        var store =
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(), Serdes.ByteArray());
        b.addStateStore(cachedStore ? store.withCachingEnabled() : store);
        b.stream(events, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("ring-events"))
                .process(() -> new RingProcessor(maxEvents), Named.as("ring-processor"), STORE)
                .to(
                        output,
                        Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("ring-sink"));
        return b.build();
    }

    /** {@code ring} (n length-prefixed values, oldest first) plus {@code value}, keeping the newest {@code max}. */
    static byte[] append(byte[] ring, byte[] value, int max) {
        int count = 0;
        int dropTo = 0;
        if (ring != null) {
            // count the entries; the oldest (count + 1 − max) are dropped
            int pos = 0;
            while (pos < ring.length) {
                pos += 4 + readInt(ring, pos);
                count++;
            }
            int drop = count + 1 - max;
            pos = 0;
            for (int i = 0; i < drop; i++) pos += 4 + readInt(ring, pos);
            dropTo = Math.max(0, pos);
        }
        int kept = ring == null ? 0 : ring.length - dropTo;
        byte[] out = new byte[kept + 4 + value.length];
        if (kept > 0) System.arraycopy(ring, dropTo, out, 0, kept);
        writeInt(out, kept, value.length);
        System.arraycopy(value, 0, out, kept + 4, value.length);
        return out;
    }

    static int count(byte[] ring) {
        int n = 0;
        for (int pos = 0; pos < ring.length; pos += 4 + readInt(ring, pos)) n++;
        return n;
    }

    private static int readInt(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }

    private static void writeInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    static final class RingProcessor implements Processor<byte[], byte[], byte[], byte[]> {
        private final int maxEvents;
        private ProcessorContext<byte[], byte[]> context;
        private KeyValueStore<String, byte[]> store;

        RingProcessor(int maxEvents) {
            this.maxEvents = maxEvents;
        }

        @Override
        public void init(ProcessorContext<byte[], byte[]> context) {
            this.context = context;
            this.store = context.getStateStore(STORE);
        }

        @Override
        public void process(Record<byte[], byte[]> record) {
            if (record.key() == null || record.value() == null || record.value().length == 0) return;
            String user = new String(record.key(), StandardCharsets.UTF_8);
            store.put(user, append(store.get(user), record.value(), maxEvents));
            context.forward(record);
        }
    }
}
