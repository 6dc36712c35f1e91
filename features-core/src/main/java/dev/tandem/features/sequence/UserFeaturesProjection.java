package dev.tandem.features.sequence;

import static dev.tandem.features.sequence.BehaviourSequence.ACTIONS;
import static dev.tandem.features.sequence.BehaviourSequence.CHANNELS;

import dev.tandem.schemas.Action;
import dev.tandem.schemas.CategoryCount;
import dev.tandem.schemas.SequenceEvent;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.WindowCount;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code UserFeatures} view of a {@link BehaviourSequence}, as an Avro record and straight as Avro
 * binary. Both are written from the same state walk and must agree byte for byte
 * ({@code UserFeaturesAvroPropertiesTest}).
 */
final class UserFeaturesProjection {
    private UserFeaturesProjection() {}

    /** See {@link BehaviourSequence#toUserFeatures(String)}. */
    static UserFeatures toUserFeatures(BehaviourSequence s, String userId) {
        int n = s.events.size;
        List<SequenceEvent> events = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int q = s.events.slot(i);
            events.add(new SequenceEvent(
                    Codec.idString(s.evItemNum[q], s.evItemStr[q]),
                    Codec.idString(s.evCatNum[q], s.evCatStr[q]),
                    ACTIONS[s.evAction[q]],
                    Instant.ofEpochMilli(s.evTime[q])));
        }
        List<WindowCount> counts = new ArrayList<>(s.counters.length * CHANNELS);
        long[] perAction = new long[CHANNELS];
        for (WindowedCounts c : s.counters) {
            c.countAll(s.latestTime, perAction);
            for (Action a : ACTIONS) {
                counts.add(new WindowCount(c.windowMs, a, perAction[a.ordinal()]));
            }
        }
        List<CategoryCount> top = new ArrayList<>();
        for (BehaviourSequence.CategoryTally t : s.topCategories(s.policy.topCategories())) {
            top.add(new CategoryCount(t.categoryId(), t.count()));
        }
        return UserFeatures.newBuilder()
                .setUserId(userId)
                .setAsOf(Instant.ofEpochMilli(s.hasEvents() ? s.latestTime : 0))
                .setSequenceVersion(s.version)
                .setEvents(events)
                .setActionCounts(counts)
                .setTopCategories(top)
                .build();
    }

    /**
     * {@code prefix} followed by {@link #toUserFeatures} in Avro binary encoding, without building the
     * record: the bytes Avro's {@code SpecificDatumWriter} writes for it with a plain {@code BinaryEncoder}
     * (fields in schema order; longs and the enum's index zigzag varints; strings length-prefixed UTF-8;
     * arrays one block {@code count, items, 0}, an empty one a single 0). No Avro types are used: the layout is
     * the {@code UserFeatures} schema's, and a change of that schema must change this method too (the Streams
     * adapter compares both paths on its first records and falls back to Avro if they ever differ).
     */
    static byte[] avro(BehaviourSequence s, byte[] prefix, String userId) {
        int n = s.events.size;
        WindowedCounts[] counters = s.counters;
        Codec.Writer w =
                new Codec.Writer(prefix.length + 64 + userId.length() + n * 24 + counters.length * CHANNELS * 6 + 64);
        w.bytes(prefix);
        w.avroString(userId);
        w.zigzag(s.hasEvents() ? s.latestTime : 0);
        w.zigzag(s.version);
        if (n > 0) {
            w.zigzag(n);
            for (int i = 0; i < n; i++) {
                int q = s.events.slot(i);
                w.avroId(s.evItemNum[q], s.evItemStr[q]);
                w.avroId(s.evCatNum[q], s.evCatStr[q]);
                w.zigzag(s.evAction[q]);
                w.zigzag(s.evTime[q]);
            }
        }
        w.u8(0);
        if (counters.length > 0) {
            w.zigzag((long) counters.length * CHANNELS);
            long[] perAction = new long[CHANNELS];
            for (WindowedCounts c : counters) {
                c.countAll(s.latestTime, perAction);
                for (int a = 0; a < CHANNELS; a++) {
                    w.zigzag(c.windowMs);
                    w.zigzag(a);
                    w.zigzag(perAction[a]);
                }
            }
        }
        w.u8(0);
        int top = Math.min(s.policy.topCategories(), s.catSize);
        if (top > 0) {
            w.zigzag(top);
            for (int i = 0; i < top; i++) {
                w.avroId(s.catNum[i], s.catStr[i]);
                w.zigzag(s.catCount[i]);
            }
        }
        w.u8(0);
        return w.toByteArray();
    }
}
