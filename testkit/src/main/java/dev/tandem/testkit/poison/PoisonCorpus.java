package dev.tandem.testkit.poison;

import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.ModelCommandType;
import dev.tandem.schemas.ModelControl;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.SequenceEvent;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.serde.WireFormat;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.apache.avro.specific.SpecificRecord;

/**
 * Hostile records for every input topic, built from one valid record of the topic, so every component's tests feed
 * the same corpus. Each {@link Entry} says whether any reader of the topic must refuse it ({@link Entry#refused}): a
 * value that is not a readable record of the topic's type, or one no reader can use (no id, an id longer than any
 * configured bound, an event from the year 3000). The rest ({@code refused == false}) are legal but odd (a key
 * that disagrees with an item's id, a very long attribute map) and must be processed without a crash; a
 * component may still refuse them by a rule of its own, which its test states.
 */
public final class PoisonCorpus {
    /** An unknown schema id: far above anything a test registry hands out. */
    public static final int UNKNOWN_SCHEMA_ID = 0x7ead_beef;
    /** Longer than every component's id bound ({@code maxIdLength}, 256 by default), well under a record's 1 MB limit. */
    public static final int HUGE_STRING_CHARS = 100_000;
    /** Entries of a huge list or map: big, yet under a topic's default 1 MB record limit once encoded. */
    public static final int HUGE_LIST_ENTRIES = 20_000;
    /** The prefix of the subjects wrong-schema records are registered under (one per type), so the topics' own subjects stay compatible. */
    public static final String WRONG_SCHEMA_TOPIC = "poison-wrong-schema";

    /** The kinds {@link #wireLevel} makes: not a readable record of the topic's type, whatever the reader. */
    public static final Set<Kind> UNREADABLE = EnumSet.of(
            Kind.WRONG_MAGIC_BYTE,
            Kind.UNKNOWN_SCHEMA_ID,
            Kind.TRUNCATED_AVRO,
            Kind.TRAILING_BYTES,
            Kind.HUGE_LENGTH_PREFIX,
            Kind.WRONG_SCHEMA,
            Kind.EMPTY_VALUE);

    public enum Kind {
        WRONG_MAGIC_BYTE,
        UNKNOWN_SCHEMA_ID,
        TRUNCATED_AVRO,
        TRAILING_BYTES,
        HUGE_LENGTH_PREFIX,
        WRONG_SCHEMA,
        EMPTY_VALUE,
        NULL_VALUE,
        NULL_KEY,
        EMPTY_KEY,
        KEY_MISMATCH,
        NEGATIVE_TIME,
        YEAR_3000,
        HUGE_STRING,
        HUGE_LIST,
        NAN_PROBABILITY,
        INFINITE_PROBABILITY,
        DUPLICATE_EVENT_ID,
        MISSING_MODEL,
        CORRUPT_MODEL
    }

    /**
     * One record to send.
     *
     * @param refused whether every reader of the topic must turn it into a dead letter
     */
    public record Entry(Kind kind, byte[] key, byte[] value, boolean refused) {
        public Entry {
            Objects.requireNonNull(kind, "kind");
        }

        /** The key as text (null for a null key), for assertions. */
        public String keyString() {
            return key == null ? null : new String(key, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return kind + "(key " + (key == null ? "null" : "'" + abbreviate(keyString()) + "'") + ", "
                    + (value == null ? "null" : value.length + " bytes") + ", refused " + refused + ")";
        }
    }

    private final TandemAvroSerializer<Object> serializer;

    /** @param serializer writes (and registers) the valid and semantically bad records */
    public PoisonCorpus(TandemAvroSerializer<Object> serializer) {
        this.serializer = Objects.requireNonNull(serializer, "serializer");
    }

    // ---- byte-level mutations of a wire-format record ----

    /** {@code valid} with magic byte {@code magic} (anything but 0 is not the wire format). */
    public static byte[] withMagic(byte[] valid, byte magic) {
        byte[] b = valid.clone();
        b[0] = magic;
        return b;
    }

    /** {@code valid} naming another schema id. */
    public static byte[] withSchemaId(byte[] valid, int id) {
        byte[] b = valid.clone();
        b[1] = (byte) (id >>> 24);
        b[2] = (byte) (id >>> 16);
        b[3] = (byte) (id >>> 8);
        b[4] = (byte) id;
        return b;
    }

    /** The wire-format schema id of {@code valid}. */
    public static int schemaId(byte[] valid) {
        return ((valid[1] & 0xff) << 24) | ((valid[2] & 0xff) << 16) | ((valid[3] & 0xff) << 8) | (valid[4] & 0xff);
    }

    /** The first {@code length} bytes. */
    public static byte[] truncated(byte[] valid, int length) {
        return Arrays.copyOf(valid, length);
    }

    /** {@code valid} followed by {@code extra}. */
    public static byte[] extended(byte[] valid, byte[] extra) {
        byte[] b = Arrays.copyOf(valid, valid.length + extra.length);
        System.arraycopy(extra, 0, b, valid.length, extra.length);
        return b;
    }

    /**
     * {@code valid} with the varint after the first {@code skip} varints of the body replaced by {@code value}
     * (zig-zag encoded, as Avro writes lengths and counts), the rest of the body kept. With the varint being a string
     * length or a list count, a huge {@code value} claims far more data than the record holds.
     */
    public static byte[] withVarint(byte[] valid, int skip, long value) {
        int pos = WireFormat.HEADER_SIZE;
        for (int i = 0; i < skip; i++) pos = varintEnd(valid, pos);
        int end = varintEnd(valid, pos);
        byte[] varint = zigZagVarint(value);
        byte[] b = new byte[pos + varint.length + valid.length - end];
        System.arraycopy(valid, 0, b, 0, pos);
        System.arraycopy(varint, 0, b, pos, varint.length);
        System.arraycopy(valid, end, b, pos + varint.length, valid.length - end);
        return b;
    }

    private static int varintEnd(byte[] b, int pos) {
        while (pos < b.length && (b[pos] & 0x80) != 0) pos++;
        return Math.min(pos + 1, b.length);
    }

    static byte[] zigZagVarint(long v) {
        long n = (v << 1) ^ (v >> 63);
        byte[] out = new byte[10];
        int i = 0;
        while ((n & ~0x7FL) != 0) {
            out[i++] = (byte) ((n & 0x7f) | 0x80);
            n >>>= 7;
        }
        out[i++] = (byte) n;
        return Arrays.copyOf(out, i);
    }

    // ---- per-topic corpora ----

    /**
     * The wire-level entries every topic shares, from {@code valid} written for {@code topic}: none is a readable
     * record of the topic's type. {@code lengthVarints} is how many varints precede the first string length in the
     * body (0 when the record starts with a string).
     */
    public List<Entry> wireLevel(
            String topic, byte[] key, SpecificRecord valid, int lengthVarints, SpecificRecord other) {
        byte[] v = serializer.serialize(topic, valid);
        List<Entry> out = new ArrayList<>();
        out.add(new Entry(Kind.WRONG_MAGIC_BYTE, key, withMagic(v, (byte) 1), true));
        out.add(new Entry(Kind.UNKNOWN_SCHEMA_ID, key, withSchemaId(v, UNKNOWN_SCHEMA_ID), true));
        out.add(new Entry(
                Kind.TRUNCATED_AVRO,
                key,
                truncated(v, WireFormat.HEADER_SIZE + (v.length - WireFormat.HEADER_SIZE) / 2),
                true));
        out.add(new Entry(Kind.TRAILING_BYTES, key, extended(v, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}), true));
        out.add(new Entry(Kind.HUGE_LENGTH_PREFIX, key, withVarint(v, lengthVarints, Integer.MAX_VALUE - 16L), true));
        out.add(new Entry(
                Kind.WRONG_SCHEMA,
                key,
                serializer.serialize(
                        WRONG_SCHEMA_TOPIC + "-" + other.getSchema().getName(), other),
                true));
        out.add(new Entry(Kind.EMPTY_VALUE, key, new byte[0], true));
        return out;
    }

    /**
     * {@code events}: the wire-level entries; a tombstone; null, empty and mismatched keys (an event's key is its
     * {@code user_id}); event times before 1970 by more than any log holds and in the year 3000; a huge
     * {@code user_id}; a huge attribute map (legal); and {@code valid} itself again (a repeat of a record the test
     * sends as valid first: legal, see the component's test for what it does with it). The changed events have ids of
     * their own.
     */
    public List<Entry> events(UserEvent valid) {
        byte[] key = utf8(valid.getUserId());
        List<Entry> out = new ArrayList<>(wireLevel("events", key, valid, 0, itemLike(valid.getItemId())));
        out.add(new Entry(Kind.NULL_VALUE, key, null, true));
        byte[] v = serializer.serialize("events", valid);
        out.add(new Entry(Kind.NULL_KEY, null, v, true));
        out.add(new Entry(Kind.EMPTY_KEY, new byte[0], v, true));
        out.add(new Entry(Kind.KEY_MISMATCH, utf8(valid.getUserId() + "-other"), v, true));
        out.add(event(
                Kind.NEGATIVE_TIME, key, valid, e -> e.setEventTime(Instant.ofEpochMilli(Long.MIN_VALUE / 2)), true));
        out.add(event(Kind.YEAR_3000, key, valid, e -> e.setEventTime(Instant.parse("3000-01-01T00:00:00Z")), true));
        String huge = hugeString(valid.getUserId());
        out.add(event(Kind.HUGE_STRING, utf8(huge), valid, e -> e.setUserId(huge), true));
        out.add(event(Kind.HUGE_LIST, key, valid, e -> e.setAttributes(hugeMap()), false));
        out.add(new Entry(Kind.DUPLICATE_EVENT_ID, key, v, false));
        return out;
    }

    /**
     * {@code items}: the wire-level entries; a huge {@code item_id}; a huge category path and a negative update time
     * (legal); a key that disagrees with the id (legal: readers key items by the value's id). No null key: the topic
     * is compacted, and the broker refuses a keyless record there.
     */
    public List<Entry> items(ItemMetadata valid) {
        byte[] key = utf8(valid.getItemId());
        List<Entry> out = new ArrayList<>(wireLevel("items", key, valid, 0, eventLike(valid.getItemId())));
        String huge = hugeString(valid.getItemId());
        out.add(item(Kind.HUGE_STRING, utf8(huge), valid, i -> i.setItemId(huge), true));
        out.add(item(Kind.HUGE_LIST, key, valid, i -> i.setCategoryPath(hugeList()), false));
        out.add(item(
                Kind.NEGATIVE_TIME, key, valid, i -> i.setUpdatedAt(Instant.ofEpochMilli(Long.MIN_VALUE / 2)), false));
        byte[] v = serializer.serialize("items", valid);
        out.add(new Entry(Kind.KEY_MISMATCH, utf8(valid.getItemId() + "-other"), v, false));
        return out;
    }

    /** {@code scoring-requests}: the wire-level entries; a tombstone; a huge {@code user_id}; no candidates; many candidates (legal); odd keys (legal: requests are keyed by the value's user). */
    public List<Entry> scoringRequests(ScoringRequest valid) {
        byte[] key = utf8(valid.getUserId());
        List<Entry> out = new ArrayList<>(wireLevel("scoring-requests", key, valid, 0, itemLike("x")));
        out.add(new Entry(Kind.NULL_VALUE, key, null, true));
        String huge = hugeString(valid.getUserId());
        out.add(request(Kind.HUGE_STRING, utf8(huge), valid, r -> r.setUserId(huge), true));
        out.add(request(Kind.HUGE_LIST, key, valid, r -> r.setContext(hugeMap()), false));
        out.add(request(
                Kind.NEGATIVE_TIME,
                key,
                valid,
                r -> r.setRequestTime(Instant.ofEpochMilli(Long.MIN_VALUE / 2)),
                false));
        byte[] v = serializer.serialize("scoring-requests", valid);
        out.add(new Entry(Kind.NULL_KEY, null, v, false));
        out.add(new Entry(Kind.EMPTY_KEY, new byte[0], v, false));
        return out;
    }

    /** {@code user-features}: the wire-level entries; a huge {@code user_id}; a sequence of 20,000 events (legal: readers keep the newest they need). */
    public List<Entry> userFeatures(UserFeatures valid) {
        byte[] key = utf8(valid.getUserId());
        List<Entry> out = new ArrayList<>(wireLevel("user-features", key, valid, 0, itemLike("x")));
        String huge = hugeString(valid.getUserId());
        out.add(features(Kind.HUGE_STRING, utf8(huge), valid, f -> f.setUserId(huge), true));
        out.add(features(Kind.HUGE_LIST, key, valid, f -> f.setEvents(hugeSequence()), false));
        return out;
    }

    /**
     * {@code model-control}: the wire-level entries; a tombstone; LOAD of a model at a location that does not exist
     * ({@code missingLocation}) or holds no readable model ({@code corruptLocation}); a huge model name. {@code valid}
     * is a LOAD whose name and version the two model entries reuse, with their own versions.
     */
    public List<Entry> modelControl(ModelControl valid, String missingLocation, String corruptLocation) {
        byte[] key = utf8(valid.getModelName());
        List<Entry> out = new ArrayList<>(wireLevel("model-control", key, valid, 1, itemLike("x")));
        out.add(new Entry(Kind.NULL_VALUE, key, null, true));
        out.add(control(
                Kind.MISSING_MODEL,
                key,
                valid,
                c -> c.setCommand(ModelCommandType.LOAD)
                        .setModelVersion(valid.getModelVersion() + "-missing")
                        .setLocation(missingLocation),
                true));
        out.add(control(
                Kind.CORRUPT_MODEL,
                key,
                valid,
                c -> c.setCommand(ModelCommandType.LOAD)
                        .setModelVersion(valid.getModelVersion() + "-corrupt")
                        .setLocation(corruptLocation),
                true));
        return out;
    }

    /**
     * {@code predictions}: the wire-level entries; NaN and infinite probabilities (readable: what a reader does with a
     * broken model output is its own rule, the sinks rank it last, monitoring does not grade it); a huge
     * {@code user_id} (no reader of predictions bounds ids: it must not crash one).
     */
    public List<Entry> predictions(Prediction valid) {
        byte[] key = utf8(valid.getUserId());
        List<Entry> out = new ArrayList<>(wireLevel("predictions", key, valid, 0, itemLike("x")));
        out.add(prediction(Kind.NAN_PROBABILITY, key, valid, p -> setFirstProbability(p, Float.NaN), false));
        out.add(prediction(
                Kind.INFINITE_PROBABILITY, key, valid, p -> setFirstProbability(p, Float.POSITIVE_INFINITY), false));
        String huge = hugeString(valid.getUserId());
        out.add(prediction(Kind.HUGE_STRING, utf8(huge), valid, p -> p.setUserId(huge), false));
        return out;
    }

    private static void setFirstProbability(Prediction.Builder p, float value) {
        var candidates = new ArrayList<>(p.getCandidates());
        var first = dev.tandem.schemas.CandidateScore.newBuilder(candidates.get(0));
        List<Float> probs = new ArrayList<>(first.getProbabilities());
        probs.set(0, value);
        candidates.set(0, first.setProbabilities(probs).build());
        p.setCandidates(candidates);
    }

    private Entry event(
            Kind kind, byte[] key, UserEvent valid, UnaryOperator<UserEvent.Builder> change, boolean refused) {
        // an id of its own: a changed copy under the original's id would be a duplicate, whatever else it is
        UserEvent.Builder b = UserEvent.newBuilder(valid)
                .setEventId(valid.getEventId() + "-" + kind.name().toLowerCase());
        return new Entry(
                kind, key, serializer.serialize("events", change.apply(b).build()), refused);
    }

    private Entry item(
            Kind kind, byte[] key, ItemMetadata valid, UnaryOperator<ItemMetadata.Builder> change, boolean refused) {
        return new Entry(
                kind,
                key,
                serializer.serialize(
                        "items", change.apply(ItemMetadata.newBuilder(valid)).build()),
                refused);
    }

    private Entry request(
            Kind kind,
            byte[] key,
            ScoringRequest valid,
            UnaryOperator<ScoringRequest.Builder> change,
            boolean refused) {
        return new Entry(
                kind,
                key,
                serializer.serialize(
                        "scoring-requests",
                        change.apply(ScoringRequest.newBuilder(valid)).build()),
                refused);
    }

    private Entry features(
            Kind kind, byte[] key, UserFeatures valid, UnaryOperator<UserFeatures.Builder> change, boolean refused) {
        return new Entry(
                kind,
                key,
                serializer.serialize(
                        "user-features",
                        change.apply(UserFeatures.newBuilder(valid)).build()),
                refused);
    }

    private Entry control(
            Kind kind, byte[] key, ModelControl valid, UnaryOperator<ModelControl.Builder> change, boolean refused) {
        return new Entry(
                kind,
                key,
                serializer.serialize(
                        "model-control",
                        change.apply(ModelControl.newBuilder(valid)).build()),
                refused);
    }

    private Entry prediction(
            Kind kind,
            byte[] key,
            Prediction valid,
            java.util.function.Consumer<Prediction.Builder> change,
            boolean refused) {
        Prediction.Builder b = Prediction.newBuilder(valid);
        change.accept(b);
        return new Entry(kind, key, serializer.serialize("predictions", b.build()), refused);
    }

    private static ItemMetadata itemLike(CharSequence id) {
        return ItemMetadata.newBuilder()
                .setItemId(id.toString())
                .setCategoryPath(List.of("c"))
                .setUpdatedAt(Instant.ofEpochMilli(0))
                .build();
    }

    private static UserEvent eventLike(CharSequence itemId) {
        return UserEvent.newBuilder()
                .setEventId("e")
                .setUserId("u")
                .setItemId(itemId.toString())
                .setCategoryId("c")
                .setAction(dev.tandem.schemas.Action.VIEW)
                .setEventTime(Instant.ofEpochMilli(0))
                .build();
    }

    private static String hugeString(CharSequence prefix) {
        return prefix + "x".repeat(HUGE_STRING_CHARS);
    }

    private static List<String> hugeList() {
        List<String> l = new ArrayList<>(HUGE_LIST_ENTRIES);
        for (int i = 0; i < HUGE_LIST_ENTRIES; i++) l.add("c" + i);
        return l;
    }

    private static List<SequenceEvent> hugeSequence() {
        List<SequenceEvent> l = new ArrayList<>(HUGE_LIST_ENTRIES);
        for (int i = 0; i < HUGE_LIST_ENTRIES; i++) {
            l.add(new SequenceEvent("i" + i, "c", dev.tandem.schemas.Action.VIEW, Instant.ofEpochMilli(i)));
        }
        return l;
    }

    private static Map<String, String> hugeMap() {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < HUGE_LIST_ENTRIES; i++) m.put("k" + i, "v");
        return m;
    }

    private static byte[] utf8(CharSequence s) {
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
