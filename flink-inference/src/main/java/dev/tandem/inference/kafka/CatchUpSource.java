package dev.tandem.inference.kafka;

import java.io.IOException;
import java.io.Serializable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.connector.base.source.hybrid.HybridSource;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.KafkaSourceEnumState;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.kafka.common.TopicPartition;

/**
 * A topic the job rebuilds its state from (user features, the catalog), read from its earliest offset in two legs, so
 * that Flink knows when the job is catching up: first up to the end offsets the topic has when the job starts, then
 * on from exactly where that leg stopped. While the first leg runs, the source reports that it is processing
 * backlog, and Flink checkpoints at {@code execution.checkpointing.interval-during-backlog} instead of the normal
 * interval: a cold load writes a large part of the keyed state between two checkpoints, and checkpoints at the
 * latency-driven interval during it only ran back to back (1.65 s p99 at 1M users against a 100 ms interval). The
 * scoring job leaves the two intervals equal unless configured ({@code ScoringJob#backlogInterval} says why).
 *
 * <p>The second leg starts from the stopping offsets the first leg's enumerator holds, not from offsets looked up
 * when the job is built: a job restored in the middle of the first leg finishes it at the offsets in its checkpoint,
 * and offsets looked up again would skip what was written in between. A job restored after the switch resumes the
 * second leg's splits at their checkpointed offsets, and the starting offsets are not used.
 *
 * <p>The source's state is a hybrid source's: a checkpoint of a job that read these topics with a plain
 * {@code KafkaSource} does not restore into it.
 */
public final class CatchUpSource {
    private CatchUpSource() {}

    /**
     * A Kafka source of one topic from given starting offsets; serializable, since the job manager builds the second
     * leg from it at the switch.
     */
    @FunctionalInterface
    public interface Builder<T> extends Serializable {
        KafkaSourceBuilder<T> from(OffsetsInitializer start);
    }

    public static <T> HybridSource<T> of(Builder<T> topic) {
        return HybridSource.<T, SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState>>builder(
                        new FirstLeg<>(topic.from(OffsetsInitializer.earliest())
                                .setBounded(OffsetsInitializer.latest())
                                .build()))
                .addSource(
                        switchContext -> topic.from(after(switchContext.getPreviousEnumerator()))
                                .build(),
                        Boundedness.CONTINUOUS_UNBOUNDED)
                .build();
    }

    /** Where the first leg stopped, per partition; null (a restore after the switch): the splits carry their own. */
    static OffsetsInitializer after(SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> first) {
        if (first == null) return OffsetsInitializer.earliest();
        return OffsetsInitializer.offsets(stoppingOffsets(snapshot(first)));
    }

    static Map<TopicPartition, Long> stoppingOffsets(KafkaSourceEnumState state) {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        for (var splits : List.of(state.assignedSplits(), state.unassignedSplits())) {
            for (KafkaPartitionSplit s : splits) {
                long stop = s.getStoppingOffset()
                        .filter(o -> o >= 0)
                        .orElseThrow(() -> new IllegalStateException(
                                "the catch-up read of " + s.getTopicPartition() + " had no stopping offset"));
                offsets.put(s.getTopicPartition(), stop);
            }
        }
        return offsets;
    }

    /**
     * The bounded Kafka source of the first leg, whose enumerator, when restored from a checkpoint, tells each reader
     * that no more splits come. Kafka's own (connector 5.0.0-2.2) never does: restored, its one discovery finds every
     * partition known and returns before it sets the flag that sends that signal (FLINK-31006, FLINK-33466; the fix,
     * apache/flink-connector-kafka#318, is open), so a job restored in the middle of a catch-up read to the stopping
     * offsets and waited there forever.
     */
    static final class FirstLeg<T>
            implements Source<T, KafkaPartitionSplit, KafkaSourceEnumState>, ResultTypeQueryable<T> {
        private final KafkaSource<T> kafka;

        FirstLeg(KafkaSource<T> kafka) {
            this.kafka = kafka;
        }

        @Override
        public Boundedness getBoundedness() {
            return kafka.getBoundedness();
        }

        @Override
        public SourceReader<T, KafkaPartitionSplit> createReader(SourceReaderContext context) throws Exception {
            return kafka.createReader(context);
        }

        @Override
        public SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> createEnumerator(
                SplitEnumeratorContext<KafkaPartitionSplit> context) {
            return new FirstLegKafkaEnumerator(kafka.createEnumerator(context), context, false);
        }

        @Override
        public SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> restoreEnumerator(
                SplitEnumeratorContext<KafkaPartitionSplit> context, KafkaSourceEnumState state) throws IOException {
            return new FirstLegKafkaEnumerator(kafka.restoreEnumerator(context, state), context, true);
        }

        @Override
        public SimpleVersionedSerializer<KafkaPartitionSplit> getSplitSerializer() {
            return kafka.getSplitSerializer();
        }

        @Override
        public SimpleVersionedSerializer<KafkaSourceEnumState> getEnumeratorCheckpointSerializer() {
            return kafka.getEnumeratorCheckpointSerializer();
        }

        @Override
        public TypeInformation<T> getProducedType() {
            return kafka.getProducedType();
        }
    }

    /**
     * Kafka's enumerator; restored, it also signals "no more splits" to a reader that registers once every split is
     * assigned after the initial discovery (the state says so), which is what the fresh enumerator does after its
     * discovery. Not covered: a partition added to the topic while the job was down, in the middle of a catch-up.
     */
    private record FirstLegKafkaEnumerator(
            SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> kafka,
            SplitEnumeratorContext<KafkaPartitionSplit> context,
            boolean restored)
            implements SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> {
        @Override
        public void start() {
            kafka.start();
        }

        @Override
        public void handleSplitRequest(int subtask, String hostname) {
            kafka.handleSplitRequest(subtask, hostname);
        }

        @Override
        public void addSplitsBack(List<KafkaPartitionSplit> splits, int subtask) {
            kafka.addSplitsBack(splits, subtask);
        }

        @Override
        public void addReader(int subtask) {
            kafka.addReader(subtask);
            if (!restored) return;
            KafkaSourceEnumState now = snapshot(kafka);
            if (now.initialDiscoveryFinished() && now.unassignedSplits().isEmpty()) context.signalNoMoreSplits(subtask);
        }

        @Override
        public KafkaSourceEnumState snapshotState(long checkpointId) throws Exception {
            return kafka.snapshotState(checkpointId);
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) throws Exception {
            kafka.notifyCheckpointComplete(checkpointId);
        }

        @Override
        public void handleSourceEvent(int subtask, SourceEvent event) {
            kafka.handleSourceEvent(subtask, event);
        }

        @Override
        public void close() throws IOException {
            kafka.close();
        }
    }

    private static KafkaSourceEnumState snapshot(SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> e) {
        try {
            return e.snapshotState(-1L);
        } catch (Exception ex) {
            throw new IllegalStateException("cannot read the catch-up read's splits", ex);
        }
    }
}
