package dev.tandem.bench.features;

import dev.tandem.schemas.Action;
import dev.tandem.schemas.CategoryCount;
import dev.tandem.schemas.SequenceEvent;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.WindowCount;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
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
 * The naive way to keep the same features, the baseline of {@code tandem bench features}: the user's
 * {@link UserFeatures} itself, Avro-serialized, is the stored state. Every event decodes it, appends the event
 * to the list, re-sorts it by time, trims it to the last N, recounts the actions per window and the top categories
 * from the list, re-encodes it and writes it back, and emits it. No duplicate detection, no late-event rule, counts
 * only over the kept N events (so it is cheaper in rules than the real topology, and still does more work per event).
 * Records that cannot be read are skipped.
 */
final class NaiveBaselineTopology {
    public static final String STORE = "naive-user-features";

    private NaiveBaselineTopology() {}

    public static Topology build(
            String events,
            String userFeatures,
            Serde<UserEvent> eventSerde,
            Serde<UserFeatures> featuresSerde,
            int maxEvents,
            long[] windowsMs,
            int topCategories) {
        return build(events, userFeatures, eventSerde, featuresSerde, maxEvents, windowsMs, topCategories, false);
    }

    /**
     * {@code cachedStore}: Kafka Streams' record cache on the store, as the real topology has on {@code user-sequences}
     * by default ({@code sequence.store.caching}); the bench passes the real app's setting, so all three topologies
     * write their changelogs the same way.
     */
    public static Topology build(
            String events,
            String userFeatures,
            Serde<UserEvent> eventSerde,
            Serde<UserFeatures> featuresSerde,
            int maxEvents,
            long[] windowsMs,
            int topCategories,
            boolean cachedStore) {
        StreamsBuilder b = new StreamsBuilder();
        var store =
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(), Serdes.ByteArray());
        b.addStateStore(cachedStore ? store.withCachingEnabled() : store);
        b.stream(events, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("naive-events"))
                .process(
                        () -> new NaiveProcessor(
                                eventSerde.deserializer(), events, maxEvents, windowsMs, topCategories),
                        Named.as("naive-processor"),
                        STORE)
                .to(userFeatures, Produced.with(Serdes.String(), featuresSerde).withName("naive-sink"));
        return b.build();
    }

    static final class NaiveProcessor implements Processor<byte[], byte[], String, UserFeatures> {
        private final Deserializer<UserEvent> deserializer;
        private final String topic;
        private final int maxEvents;
        private final long[] windowsMs;
        private final int topCategories;
        private ProcessorContext<String, UserFeatures> context;
        private KeyValueStore<String, byte[]> store;

        NaiveProcessor(
                Deserializer<UserEvent> deserializer,
                String topic,
                int maxEvents,
                long[] windowsMs,
                int topCategories) {
            this.deserializer = deserializer;
            this.topic = topic;
            this.maxEvents = maxEvents;
            this.windowsMs = windowsMs;
            this.topCategories = topCategories;
        }

        @Override
        public void init(ProcessorContext<String, UserFeatures> context) {
            this.context = context;
            this.store = context.getStateStore(STORE);
        }

        @Override
        public void process(Record<byte[], byte[]> record) {
            if (record.value() == null || record.value().length == 0) return;
            UserEvent e;
            try {
                e = deserializer.deserialize(topic, record.headers(), record.value());
            } catch (RuntimeException ex) {
                return;
            }
            String user = e.getUserId();
            byte[] stored = store.get(user);
            UserFeatures f;
            try {
                f = stored == null
                        ? new UserFeatures(
                                user, e.getEventTime(), 0L, new ArrayList<>(), new ArrayList<>(), new ArrayList<>())
                        : UserFeatures.fromByteBuffer(ByteBuffer.wrap(stored));
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            List<SequenceEvent> list = new ArrayList<>(f.getEvents());
            list.add(new SequenceEvent(e.getItemId(), e.getCategoryId(), e.getAction(), e.getEventTime()));
            list.sort(Comparator.comparing(SequenceEvent::getEventTime));
            if (list.size() > maxEvents) list = new ArrayList<>(list.subList(list.size() - maxEvents, list.size()));
            Instant asOf = list.get(list.size() - 1).getEventTime();
            List<WindowCount> counts = new ArrayList<>();
            for (long w : windowsMs) {
                long[] perAction = new long[Action.values().length];
                for (SequenceEvent s : list) {
                    if (asOf.toEpochMilli() - s.getEventTime().toEpochMilli() < w)
                        perAction[s.getAction().ordinal()]++;
                }
                for (Action a : Action.values()) counts.add(new WindowCount(w, a, perAction[a.ordinal()]));
            }
            Map<String, Long> cats = new HashMap<>();
            for (SequenceEvent s : list) cats.merge(s.getCategoryId(), 1L, Long::sum);
            List<CategoryCount> top = new ArrayList<>();
            cats.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue()
                            .reversed()
                            .thenComparing(Map.Entry.comparingByKey()))
                    .limit(topCategories)
                    .forEach(c -> top.add(new CategoryCount(c.getKey(), c.getValue())));
            UserFeatures updated = new UserFeatures(user, asOf, f.getSequenceVersion() + 1, list, counts, top);
            try {
                ByteBuffer buf = updated.toByteBuffer();
                byte[] bytes = new byte[buf.remaining()];
                buf.get(bytes);
                store.put(user, bytes);
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            context.forward(new Record<>(user, updated, record.timestamp()));
        }
    }
}
