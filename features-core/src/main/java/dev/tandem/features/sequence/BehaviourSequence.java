package dev.tandem.features.sequence;

import dev.tandem.schemas.Action;
import dev.tandem.schemas.CategoryCount;
import dev.tandem.schemas.SequenceEvent;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.WindowCount;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One user's behaviour state, in fixed-size primitive arrays sized by the {@link SequencePolicy}:
 *
 * <ul>
 *   <li>the last N accepted events (item, category, action, event time), oldest first, ordered by
 *       event time and then by the 64-bit hash of the event id, so the order never depends on arrival;</li>
 *   <li>the latest accepted event time, the sequence version (+1 per accepted event), and how many
 *       events were rejected as late or as duplicates;</li>
 *   <li>the remembered event ids: the 64-bit hashes of the {@code dedupCapacity} newest accepted
 *       events (by the same time-then-hash key) that are still within the grace of the latest event
 *       time, in a sorted ring plus an open-addressing set. An id is forgotten once its event falls
 *       behind {@code latest − grace}: a copy of that event would be LATE anyway, so remembering it
 *       longer only cost bytes (format 1 kept 256 ids whatever their age: ~2 KB of incompressible
 *       hashes per warm user). Kept events behind the grace drop their hash too (it is 0): only the
 *       order among equal times needs it, and no event can be inserted that far back any more. The
 *       newest-by-event-time rule (rather than last-arrived) keeps the state independent of arrival
 *       order. Two different ids collide with probability 2^-64 per pair: with at most 256 remembered
 *       ids a new event is wrongly taken for a duplicate with probability ≤ 256 / 2^64 ≈ 1.4·10^-17;</li>
 *   <li>per-action bucketed window counters ({@link WindowedCounts});</li>
 *   <li>a category table of at most {@code categoryCapacity} entries with lifetime counts, kept sorted
 *       most frequent first, ties by id (numeric ids by value before other ids). A new category in a
 *       full table evicts the last entry (lowest count, then highest id) and enters with count 1.
 *       While a user has at most {@code categoryCapacity} distinct categories the table is exact;
 *       beyond that it is an approximation whose result can depend on arrival order (every bounded
 *       frequency table does).</li>
 * </ul>
 *
 * <p>Mutated in place by {@link SequenceUpdater}; not thread-safe. {@link #encode()} and
 * {@link #decode(byte[], SequencePolicy)} give a compact binary form (see the package README).
 */
public final class BehaviourSequence {
    /** Leading byte of {@link #encode()}. */
    public static final int FORMAT_VERSION = 2;
    /** The previous format, still decoded (and rewritten as {@link #FORMAT_VERSION} by the next encode). */
    public static final int FORMAT_VERSION_1 = 1;
    /** How far back (in events, newest first) format 2 looks for the same item to refer to instead of repeating it. */
    private static final int ITEM_BACK_REFERENCES = 16;

    private static final Action[] ACTIONS = Action.values();
    static final int CHANNELS = ACTIONS.length;

    private final SequencePolicy policy;
    private final long grace;

    // the last N events: a ring sorted by (time, hash), oldest at evHead
    private final int evCap;
    private final long[] evTime;
    private final long[] evHash;
    private final byte[] evAction;
    private final long[] evItemNum;
    private final String[] evItemStr;
    private final long[] evCatNum;
    private final String[] evCatStr;
    private int evHead;
    private int evSize;

    // remembered ids: a ring sorted by (time, hash), oldest at ddHead, and the set of its hashes
    private final int ddCap;
    private final long[] ddTime;
    private final long[] ddHash;
    private final LongHashSet ddSet;
    private int ddHead;
    private int ddSize;

    // category table sorted by (count desc, id asc)
    private final long[] catNum;
    private final String[] catStr;
    private final long[] catCount;
    private int catSize;

    private final WindowedCounts[] counters;
    /** Scratch of {@link #encode()}: open-addressing index (position + 1) of the numeric categories of the table. */
    private int[] catLookup;

    private long latestTime = Long.MIN_VALUE;
    private long version;
    private long lateEvents;
    private long duplicateEvents;

    public BehaviourSequence(SequencePolicy policy) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.grace = policy.graceMs();
        evCap = policy.maxEvents();
        evTime = new long[evCap];
        evHash = new long[evCap];
        evAction = new byte[evCap];
        evItemNum = new long[evCap];
        evItemStr = new String[evCap];
        evCatNum = new long[evCap];
        evCatStr = new String[evCap];
        ddCap = policy.dedupCapacity();
        ddTime = new long[ddCap];
        ddHash = new long[ddCap];
        ddSet = new LongHashSet(ddCap + 1);
        int m = policy.categoryCapacity();
        catNum = new long[m];
        catStr = new String[m];
        catCount = new long[m];
        counters = new WindowedCounts[policy.windows().size()];
        for (int i = 0; i < counters.length; i++) {
            counters[i] = new WindowedCounts(policy.windows().get(i), CHANNELS);
        }
    }

    // ------------------------------------------------------------------ update (via SequenceUpdater)

    /** The whole update rule; ids are already split into numeric value or string. */
    UpdateOutcome apply(long idHash, long time, Action action, long itemNum, String itemStr, long catNum, String catStr) {
        if (ddSet.contains(idHash)) {
            duplicateEvents++;
            return UpdateOutcome.DUPLICATE;
        }
        if (version > 0 && time < latestTime && Long.compareUnsigned(latestTime - time, grace) > 0) {
            lateEvents++;
            return UpdateOutcome.LATE;
        }
        version++;
        if (time > latestTime) {
            latestTime = time;
            forgetBeyondGrace();
        }
        rememberId(time, idHash);
        insertEvent(time, idHash, (byte) action.ordinal(), itemNum, itemStr, catNum, catStr);
        countCategory(catNum, catStr, 1);
        int ch = action.ordinal();
        for (WindowedCounts c : counters) {
            c.add(time, ch);
        }
        return UpdateOutcome.ACCEPTED;
    }

    /**
     * Forgets the ids of events behind {@code latest − grace} (the oldest entries of the sorted ring) and
     * the hashes of kept events that old: a copy of such an event is LATE, and no new event can be
     * ordered among them. Depends only on the latest time, so the state stays independent of arrival order.
     */
    private void forgetBeyondGrace() {
        while (ddSize > 0 && beyondGrace(ddTime[ddHead])) {
            ddSet.remove(ddHash[ddHead]);
            ddHash[ddHead] = 0;
            ddHead = ddHead + 1 == ddCap ? 0 : ddHead + 1;
            ddSize--;
        }
        for (int i = 0; i < evSize; i++) {
            int q = ev(i);
            if (!beyondGrace(evTime[q])) {
                break;
            }
            evHash[q] = 0;
        }
    }

    /** The LATE rule's test for a time at or before the latest one. */
    private boolean beyondGrace(long time) {
        return Long.compareUnsigned(latestTime - time, grace) > 0;
    }

    private static int compareKey(long t1, long h1, long t2, long h2) {
        int c = Long.compare(t1, t2);
        return c != 0 ? c : Long.compare(h1, h2);
    }

    private int ev(int logical) {
        int p = evHead + logical;
        return p >= evCap ? p - evCap : p;
    }

    private int dd(int logical) {
        int p = ddHead + logical;
        return p >= ddCap ? p - ddCap : p;
    }

    /** Keeps the id if it is among the dedupCapacity newest by (time, hash). */
    private void rememberId(long time, long hash) {
        // find the insertion point (binary search on the logical order)
        int lo = 0;
        int hi = ddSize;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            int q = dd(mid);
            if (compareKey(ddTime[q], ddHash[q], time, hash) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        int p = lo;
        if (ddSize == ddCap) {
            if (p == 0) {
                return; // older than everything remembered: not among the newest
            }
            ddSet.remove(ddHash[ddHead]);
            ddHead = ddHead + 1 == ddCap ? 0 : ddHead + 1;
            ddSize--;
            p--;
        }
        for (int i = ddSize; i > p; i--) {
            int to = dd(i);
            int from = dd(i - 1);
            ddTime[to] = ddTime[from];
            ddHash[to] = ddHash[from];
        }
        int q = dd(p);
        ddTime[q] = time;
        ddHash[q] = hash;
        ddSize++;
        ddSet.add(hash);
    }

    private void insertEvent(long time, long hash, byte action, long itemNum, String itemStr, long catN, String catS) {
        int p = evSize;
        while (p > 0) {
            int q = ev(p - 1);
            if (compareKey(evTime[q], evHash[q], time, hash) < 0) {
                break;
            }
            p--;
        }
        if (evSize == evCap) {
            if (p == 0) {
                return; // older than the N kept events
            }
            evItemStr[evHead] = null;
            evCatStr[evHead] = null;
            evHead = evHead + 1 == evCap ? 0 : evHead + 1;
            evSize--;
            p--;
        }
        for (int i = evSize; i > p; i--) {
            int to = ev(i);
            int from = ev(i - 1);
            evTime[to] = evTime[from];
            evHash[to] = evHash[from];
            evAction[to] = evAction[from];
            evItemNum[to] = evItemNum[from];
            evItemStr[to] = evItemStr[from];
            evCatNum[to] = evCatNum[from];
            evCatStr[to] = evCatStr[from];
        }
        int q = ev(p);
        evTime[q] = time;
        evHash[q] = hash;
        evAction[q] = action;
        evItemNum[q] = itemNum;
        evItemStr[q] = itemStr;
        evCatNum[q] = catN;
        evCatStr[q] = catS;
        evSize++;
    }

    /** rank order: count desc, then id asc. Negative if entry i ranks before (num, str, count). */
    private int compareRank(long countA, long numA, String strA, long countB, long numB, String strB) {
        int c = Long.compare(countB, countA);
        return c != 0 ? c : Codec.compareIds(numA, strA, numB, strB);
    }

    private void countCategory(long num, String str, long add) {
        int i = 0;
        while (i < catSize && !(catNum[i] == num && Objects.equals(catStr[i], str))) {
            i++;
        }
        if (i == catSize) {
            if (catSize == catNum.length) {
                catSize--; // evict the last: lowest count, then highest id
                catStr[catSize] = null;
            }
            // start at the end, with the new count, and move up to its rank
            i = catSize++;
            catNum[i] = num;
            catStr[i] = str;
            catCount[i] = add;
        } else {
            catCount[i] += add;
        }
        while (i > 0 && compareRank(catCount[i], catNum[i], catStr[i], catCount[i - 1], catNum[i - 1], catStr[i - 1]) < 0) {
            swapCategory(i, i - 1);
            i--;
        }
    }

    private void swapCategory(int a, int b) {
        long n = catNum[a];
        catNum[a] = catNum[b];
        catNum[b] = n;
        String s = catStr[a];
        catStr[a] = catStr[b];
        catStr[b] = s;
        long c = catCount[a];
        catCount[a] = catCount[b];
        catCount[b] = c;
    }

    // ------------------------------------------------------------------ read access

    public SequencePolicy policy() {
        return policy;
    }

    /** Whether any event was accepted. */
    public boolean hasEvents() {
        return version > 0;
    }

    /** Latest accepted event time in epoch ms; {@link Long#MIN_VALUE} when there is none. */
    public long latestEventTimeMs() {
        return latestTime;
    }

    /** How many events were accepted; grows by one per accepted event. */
    public long sequenceVersion() {
        return version;
    }

    public long lateEvents() {
        return lateEvents;
    }

    public long duplicateEvents() {
        return duplicateEvents;
    }

    /** How many event ids are remembered for de-duplication (at most {@code dedupCapacity}, only those within the grace). */
    public int rememberedIds() {
        return ddSize;
    }

    /** Number of kept events (at most N). Index 0 is the oldest. */
    public int size() {
        return evSize;
    }

    public long eventTimeMs(int i) {
        return evTime[ev(check(i))];
    }

    public Action action(int i) {
        return ACTIONS[evAction[ev(check(i))]];
    }

    public String itemId(int i) {
        int q = ev(check(i));
        return Codec.idString(evItemNum[q], evItemStr[q]);
    }

    public String categoryId(int i) {
        int q = ev(check(i));
        return Codec.idString(evCatNum[q], evCatStr[q]);
    }

    /**
     * The 64-bit hash of the i-th kept event's id (the tie-breaker of its order), or 0 once the event is
     * behind {@code latest − grace} (forgotten: no tie can be broken that far back any more).
     */
    public long eventIdHash(int i) {
        return evHash[ev(check(i))];
    }

    private int check(int i) {
        Objects.checkIndex(i, evSize);
        return i;
    }

    /** Events of {@code action} in counter window {@code windowIndex} (policy order) as of the latest event. */
    public long windowCount(int windowIndex, Action action) {
        return counters[windowIndex].count(action.ordinal(), latestTime);
    }

    /** Number of categories in the table (at most {@code categoryCapacity}). */
    public int categoryCount() {
        return catSize;
    }

    /** The table's first {@code k} categories: most frequent first, ties by id. */
    public List<CategoryTally> topCategories(int k) {
        int n = Math.min(k, catSize);
        List<CategoryTally> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new CategoryTally(Codec.idString(catNum[i], catStr[i]), catCount[i]));
        }
        return out;
    }

    /** One category and its lifetime count. */
    public record CategoryTally(String categoryId, long count) {
    }

    /**
     * The {@code UserFeatures} of this state: as_of is the latest event time (epoch 0 when there is
     * none), events oldest first, action_counts for every window (policy order) × every action
     * (enum order) including zeros, so the vector has a fixed shape, counted as of the latest event
     * time; top_categories the first K of the table.
     */
    public UserFeatures toUserFeatures(String userId) {
        List<SequenceEvent> events = new ArrayList<>(evSize);
        for (int i = 0; i < evSize; i++) {
            int q = ev(i);
            events.add(new SequenceEvent(Codec.idString(evItemNum[q], evItemStr[q]), Codec.idString(evCatNum[q], evCatStr[q]),
                    ACTIONS[evAction[q]], Instant.ofEpochMilli(evTime[q])));
        }
        List<WindowCount> counts = new ArrayList<>(counters.length * CHANNELS);
        long[] perAction = new long[CHANNELS];
        for (WindowedCounts c : counters) {
            c.countAll(latestTime, perAction);
            for (Action a : ACTIONS) {
                counts.add(new WindowCount(c.windowMs, a, perAction[a.ordinal()]));
            }
        }
        List<CategoryCount> top = new ArrayList<>();
        for (CategoryTally t : topCategories(policy.topCategories())) {
            top.add(new CategoryCount(t.categoryId(), t.count()));
        }
        return UserFeatures.newBuilder()
                .setUserId(userId)
                .setAsOf(Instant.ofEpochMilli(hasEvents() ? latestTime : 0))
                .setSequenceVersion(version)
                .setEvents(events)
                .setActionCounts(counts)
                .setTopCategories(top)
                .build();
    }

    /**
     * {@code prefix} followed by {@link #toUserFeatures(String)} in Avro binary encoding, without building the
     * record: the bytes Avro's {@code SpecificDatumWriter} writes for it with a plain {@code BinaryEncoder}
     * (fields in schema order; longs and the enum's index zigzag varints; strings length-prefixed UTF-8;
     * arrays one block {@code count, items, 0}, an empty one a single 0). No Avro types are used: the layout is
     * the {@code UserFeatures} schema's, and a change of that schema must change this method too (the Streams
     * adapter compares both paths on its first records and falls back to Avro if they ever differ).
     */
    public byte[] userFeaturesAvro(byte[] prefix, String userId) {
        Codec.Writer w = new Codec.Writer(prefix.length + 64 + userId.length() + evSize * 24 + counters.length * CHANNELS * 6 + 64);
        w.bytes(prefix);
        w.avroString(userId);
        w.zigzag(hasEvents() ? latestTime : 0);
        w.zigzag(version);
        if (evSize > 0) {
            w.zigzag(evSize);
            for (int i = 0; i < evSize; i++) {
                int q = ev(i);
                w.avroId(evItemNum[q], evItemStr[q]);
                w.avroId(evCatNum[q], evCatStr[q]);
                w.zigzag(evAction[q]);
                w.zigzag(evTime[q]);
            }
        }
        w.u8(0);
        if (counters.length > 0) {
            w.zigzag((long) counters.length * CHANNELS);
            long[] perAction = new long[CHANNELS];
            for (WindowedCounts c : counters) {
                c.countAll(latestTime, perAction);
                for (int a = 0; a < CHANNELS; a++) {
                    w.zigzag(c.windowMs);
                    w.zigzag(a);
                    w.zigzag(perAction[a]);
                }
            }
        }
        w.u8(0);
        int top = Math.min(policy.topCategories(), catSize);
        if (top > 0) {
            w.zigzag(top);
            for (int i = 0; i < top; i++) {
                w.avroId(catNum[i], catStr[i]);
                w.zigzag(catCount[i]);
            }
        }
        w.u8(0);
        return w.toByteArray();
    }

    /** A copy with other late and duplicate counts (for comparing states regardless of rejections). */
    BehaviourSequence withRejections(long late, long duplicates) {
        BehaviourSequence copy = decode(encode(), policy);
        copy.lateEvents = late;
        copy.duplicateEvents = duplicates;
        return copy;
    }

    // ------------------------------------------------------------------ encoding

    /**
     * The compact binary form, version {@value #FORMAT_VERSION}:
     * <pre>
     * u8      format version = 2
     * varlong sequence_version, late_events, duplicate_events
     * -- only if sequence_version &gt; 0:
     * zigzag  latest event time (ms)
     * varint  n_categories, then most frequent first: varlong count, id category
     * varint  n_events, varint n_older_ids (remembered ids older than the kept events; kept events within the
     *         grace are remembered too, and carry their hash)
     * n_events × newest first: varlong Δt (previous − time; the first previous is the latest time),
     *         u8 action ordinal | 0x80 if a hash follows, [fixed64 id hash (LE)],
     *         item: id, or ref k = the item of the event k places before in this list (1 ≤ k ≤ 16),
     *         category: id, or ref k = the k-th entry of the category table above
     * n_older_ids × newest first: varlong Δt (continuing the chain), fixed64 id hash
     * varint  n_counters, then per counter: varlong window_ms, varlong bucket_ms, varint channels,
     *         varint n_nonzero, n_nonzero × (varint Δindex, varlong count), index = age·channels + action,
     *         age = floor(latest / bucket) − bucket index
     * id:     varlong value&lt;&lt;2 (numeric: canonical decimal below 2^62), varlong utf8_len&lt;&lt;2|1 + UTF-8,
     *         or varlong k&lt;&lt;2|2 (a ref, where allowed)
     * </pre>
     * Format 1 (still decoded) had the categories after the ids, a hash on every event, 256 ids whatever
     * their age and ids without refs ({@code value<<1}, {@code utf8_len<<1|1}).
     */
    public byte[] encode() {
        Codec.Writer w = new Codec.Writer(64 + evSize * 16 + ddSize * 10 + catSize * 6);
        w.u8(FORMAT_VERSION);
        w.varlong(version);
        w.varlong(lateEvents);
        w.varlong(duplicateEvents);
        if (version == 0) {
            return w.toByteArray();
        }
        w.zigzag(latestTime);
        w.varlong(catSize);
        for (int i = 0; i < catSize; i++) {
            w.varlong(catCount[i]);
            w.taggedId(catNum[i], catStr[i]);
        }
        int[] lookup = categoryLookup();
        int hashedEvents = 0;
        for (int i = 0; i < evSize; i++) {
            if (evHash[ev(i)] != 0) {
                hashedEvents++;
            }
        }
        // the ids of kept events with a hash are the newest remembered ones (both are newest-first by the same key)
        int olderIds = ddSize - hashedEvents;
        if (olderIds < 0) {
            throw new IllegalStateException("kept events with a hash are not all remembered: " + this);
        }
        w.varlong(evSize);
        w.varlong(olderIds);
        long previous = latestTime;
        for (int j = 0; j < evSize; j++) {
            int q = ev(evSize - 1 - j);
            w.varlong(previous - evTime[q]);
            previous = evTime[q];
            long hash = evHash[q];
            w.u8(evAction[q] | (hash != 0 ? 0x80 : 0));
            if (hash != 0) {
                w.fixed64(hash);
            }
            int back = 0;
            for (int k = 1; k <= j && k <= ITEM_BACK_REFERENCES; k++) {
                int o = ev(evSize - 1 - j + k);
                if (evItemNum[o] == evItemNum[q] && Objects.equals(evItemStr[o], evItemStr[q])) {
                    back = k;
                    break;
                }
            }
            if (back > 0) {
                w.ref(back);
            } else {
                w.taggedId(evItemNum[q], evItemStr[q]);
            }
            int c = categoryIndex(evCatNum[q], evCatStr[q], lookup);
            if (c >= 0) {
                w.ref(c);
            } else {
                w.taggedId(evCatNum[q], evCatStr[q]);
            }
        }
        for (int i = olderIds - 1; i >= 0; i--) {
            int q = dd(i);
            w.varlong(previous - ddTime[q]);
            previous = ddTime[q];
            w.fixed64(ddHash[q]);
        }
        w.varlong(counters.length);
        for (WindowedCounts c : counters) {
            c.encode(w);
        }
        return w.toByteArray();
    }

    /** The numeric categories of the table by value (linear probing; 0 = empty, else position + 1). */
    private int[] categoryLookup() {
        if (catLookup == null) {
            catLookup = new int[Integer.highestOneBit(Math.max(4, catNum.length * 4 - 1)) << 1];
        } else {
            Arrays.fill(catLookup, 0);
        }
        int mask = catLookup.length - 1;
        for (int i = 0; i < catSize; i++) {
            if (catStr[i] == null) {
                int h = mix(catNum[i]) & mask;
                while (catLookup[h] != 0) {
                    h = (h + 1) & mask;
                }
                catLookup[h] = i + 1;
            }
        }
        return catLookup;
    }

    private static int mix(long v) {
        long h = v * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    /** The category's position in the table, or −1 (a linear scan of 64 entries per event cost 10 % of the stream thread). */
    private int categoryIndex(long num, String str, int[] lookup) {
        if (str == null) {
            int mask = lookup.length - 1;
            for (int h = mix(num) & mask; lookup[h] != 0; h = (h + 1) & mask) {
                int i = lookup[h] - 1;
                if (catNum[i] == num && catStr[i] == null) {
                    return i;
                }
            }
            return -1;
        }
        for (int i = 0; i < catSize; i++) {
            if (str.equals(catStr[i])) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The latest event time stored in {@code bytes} (format 1 or 2) without decoding the rest (what a TTL
     * scan over every user needs), or {@link Long#MIN_VALUE} if the state has no accepted event.
     *
     * @throws IllegalArgumentException on an unknown format version or truncated bytes
     */
    public static long peekLatestEventTimeMs(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length == 0 || ((bytes[0] & 0xFF) != FORMAT_VERSION && (bytes[0] & 0xFF) != FORMAT_VERSION_1)) {
            throw new IllegalArgumentException("not a BehaviourSequence of format version " + FORMAT_VERSION_1 + " or " + FORMAT_VERSION);
        }
        Codec.Reader r = new Codec.Reader(bytes, "BehaviourSequence");
        r.u8();
        long version = r.nonNegative("sequence version");
        r.nonNegative("late events");
        r.nonNegative("duplicate events");
        return version == 0 ? Long.MIN_VALUE : r.zigzag();
    }

    /**
     * Decodes {@link #encode()}'s bytes (format 2, or format 1 as the previous code wrote them) under
     * {@code policy}. Under the policy that encoded them the result is equal and re-encodes to identical
     * bytes. Format 1 bytes give the state format 2 keeps for the same events (ids and hashes behind the
     * grace forgotten), so the next encode rewrites them as format 2. Under a changed policy, what fits is
     * kept (the newest events and ids, the top categories, counters whose window and bucket are unchanged;
     * new counters start empty; with a longer grace, what the old grace forgot stays forgotten).
     *
     * @throws IllegalArgumentException on an unknown format version, truncated or corrupt bytes
     */
    public static BehaviourSequence decode(byte[] bytes, SequencePolicy policy) {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length == 0) {
            throw new IllegalArgumentException("empty BehaviourSequence bytes: expected format version " + FORMAT_VERSION);
        }
        int format = bytes[0] & 0xFF;
        if (format != FORMAT_VERSION && format != FORMAT_VERSION_1) {
            throw new IllegalArgumentException("unknown BehaviourSequence format version " + format + " (this code reads "
                    + FORMAT_VERSION_1 + " and " + FORMAT_VERSION + ")");
        }
        Codec.Reader r = new Codec.Reader(bytes, "BehaviourSequence");
        r.u8();
        BehaviourSequence s = new BehaviourSequence(policy);
        s.version = r.nonNegative("sequence version");
        s.lateEvents = r.nonNegative("late events");
        s.duplicateEvents = r.nonNegative("duplicate events");
        if (s.version == 0) {
            if (s.lateEvents != 0) {
                throw r.corrupt("late events without any accepted event");
            }
            r.expectEnd();
            return s;
        }
        s.latestTime = r.zigzag();
        if (format == FORMAT_VERSION_1) {
            s.readEventsAndCategoriesV1(r);
        } else {
            s.readEventsV2(r, s.readCategories(r, true));
        }
        int nCounters = r.count(SequencePolicy.MAX_WINDOWS, "counter count");
        for (int i = 0; i < nCounters; i++) {
            long[] spec = WindowedCounts.readSpec(r);
            WindowedCounts target = null;
            for (WindowedCounts c : s.counters) {
                if (c.sameSpec(spec[0], spec[1], (int) spec[2])) {
                    target = c;
                }
            }
            if (spec[1] == 0 || spec[0] % spec[1] != 0 || spec[0] / spec[1] > SequencePolicy.MAX_BUCKETS_PER_WINDOW) {
                throw r.corrupt("counter window " + spec[0] + " / bucket " + spec[1]);
            }
            WindowedCounts.readBody(r, target, spec[0] / spec[1], (int) spec[2], true, s.latestTime, spec[1]);
        }
        for (WindowedCounts c : s.counters) {
            c.markNonEmpty(s.latestTime);
        }
        r.expectEnd();
        s.forgetBeyondGrace(); // a no-op for format 2 under the same policy
        for (int i = 0; i < s.evSize; i++) {
            long hash = s.evHash[s.ev(i)];
            if (hash != 0 && !s.ddSet.contains(hash)) {
                // only out-of-order (corrupt) bytes get here; encode() relies on it
                throw r.corrupt("a kept event's id is not among the remembered ones");
            }
        }
        return s;
    }

    /** The category table as encoded, which format 2's category refs point into (the policy may keep fewer entries). */
    private record Table(long[] num, String[] str) {
    }

    private Table readCategories(Codec.Reader r, boolean tagged) {
        int nCats = r.count(SequencePolicy.MAX_CATEGORY_LIMIT, "category count");
        long[] id = new long[1];
        String[] str = new String[1];
        long[] tableNum = new long[tagged ? nCats : 0];
        String[] tableStr = new String[tableNum.length];
        for (int i = 0; i < nCats; i++) {
            long count = r.nonNegative("category count");
            if (tagged) {
                if (r.taggedId(id, str, policy.maxIdLength()) >= 0) {
                    throw r.corrupt("a reference in the category table");
                }
                tableNum[i] = id[0];
                tableStr[i] = str[0];
            } else {
                str[0] = r.id(id, policy.maxIdLength());
            }
            if (count == 0) {
                throw r.corrupt("zero category count");
            }
            if (catSize < catNum.length) {
                countCategory(id[0], str[0], count);
            }
        }
        return new Table(tableNum, tableStr);
    }

    private void readEventsV2(Codec.Reader r, Table table) {
        int nEvents = r.count(Math.min(version, SequencePolicy.MAX_EVENTS_LIMIT), "event count");
        if (nEvents == 0) {
            throw r.corrupt("no events although sequence_version is " + version);
        }
        int older = r.count(Math.min(version, SequencePolicy.MAX_DEDUP_LIMIT), "remembered id count");
        // the usual case places entries straight into their slots (ids newest first, reversed at the end);
        // a policy that shrank goes through the insert path
        boolean direct = nEvents <= evCap && nEvents + older <= ddCap;
        long[] itemNums = new long[Math.min(nEvents, ITEM_BACK_REFERENCES + 1)];
        String[] itemStrs = new String[itemNums.length];
        long[] id = new long[1];
        String[] str = new String[1];
        long previous = latestTime;
        long previousHash = 0;
        int ids = 0;
        for (int k = 0; k < nEvents + older; k++) {
            boolean isEvent = k < nEvents;
            long t = previous - r.nonNegative("event time delta");
            if (t > previous) {
                throw r.corrupt("event time underflow");
            }
            if (k == 0 && t != latestTime) {
                throw r.corrupt("newest event is not at the latest time");
            }
            int action = 0;
            boolean hashed = true;
            if (isEvent) {
                int b = r.u8();
                hashed = (b & 0x80) != 0;
                action = b & 0x7F;
                if (action >= CHANNELS) {
                    throw r.corrupt("unknown action ordinal " + action);
                }
            }
            long hash = hashed ? r.fixed64() : 0;
            if (hashed) {
                if (hash == 0 || (k > 0 && t == previous && previousHash != 0 && Long.compare(hash, previousHash) >= 0)) {
                    throw r.corrupt("event ids out of order or zero");
                }
                if (!ddSet.add(hash)) {
                    throw r.corrupt("repeated event id hash");
                }
                if (direct) {
                    ddTime[ids] = t;
                    ddHash[ids] = hash;
                    ids++;
                } else {
                    ddSet.remove(hash);
                    rememberId(t, hash);
                }
            }
            previous = t;
            previousHash = hash;
            if (!isEvent) {
                continue;
            }
            int slot = k % itemNums.length;
            long ref = r.taggedId(id, str, policy.maxIdLength());
            if (ref >= 0) {
                if (ref < 1 || ref > k || ref > ITEM_BACK_REFERENCES) {
                    throw r.corrupt("item reference " + ref + " at event " + k);
                }
                int from = (int) ((k - ref) % itemNums.length);
                id[0] = itemNums[from];
                str[0] = itemStrs[from];
            }
            long itemNum = id[0];
            String itemStr = str[0];
            itemNums[slot] = itemNum;
            itemStrs[slot] = itemStr;
            ref = r.taggedId(id, str, policy.maxIdLength());
            if (ref >= 0) {
                if (ref >= table.num().length) {
                    throw r.corrupt("category reference " + ref + " beyond the table of " + table.num().length);
                }
                id[0] = table.num()[(int) ref];
                str[0] = table.str()[(int) ref];
            }
            if (direct) {
                int q = nEvents - 1 - k;
                evTime[q] = t;
                evHash[q] = hash;
                evAction[q] = (byte) action;
                evItemNum[q] = itemNum;
                evItemStr[q] = itemStr;
                evCatNum[q] = id[0];
                evCatStr[q] = str[0];
            } else {
                insertEvent(t, hash, (byte) action, itemNum, itemStr, id[0], str[0]);
            }
        }
        if (direct) {
            evSize = nEvents;
            ddSize = ids;
            for (int i = 0, j = ids - 1; i < j; i++, j--) {
                long tt = ddTime[i];
                ddTime[i] = ddTime[j];
                ddTime[j] = tt;
                long hh = ddHash[i];
                ddHash[i] = ddHash[j];
                ddHash[j] = hh;
            }
        }
    }

    /** Format 1: every event with its hash, the older ids, then the category table. */
    private void readEventsAndCategoriesV1(Codec.Reader r) {
        int nEvents = r.count(Math.min(version, SequencePolicy.MAX_EVENTS_LIMIT), "event count");
        if (nEvents == 0) {
            throw r.corrupt("no events although sequence_version is " + version);
        }
        int older = r.count(Math.min(version, SequencePolicy.MAX_DEDUP_LIMIT), "remembered id count");
        long[] id = new long[1];
        int total = nEvents + older;
        boolean direct = nEvents <= evCap && total <= ddCap;
        long previous = latestTime;
        long previousHash = 0;
        for (int k = 0; k < total; k++) {
            boolean isEvent = k < nEvents;
            long t = previous - r.nonNegative("event time delta");
            if (t > previous) {
                throw r.corrupt("event time underflow");
            }
            if (k == 0 && t != latestTime) {
                throw r.corrupt("newest event is not at the latest time");
            }
            long hash = r.fixed64();
            if (hash == 0 || (k > 0 && t == previous && Long.compare(hash, previousHash) >= 0)) {
                throw r.corrupt("event ids out of order or zero");
            }
            previous = t;
            previousHash = hash;
            if (!ddSet.add(hash)) {
                throw r.corrupt("repeated event id hash");
            }
            if (direct) {
                int q = total - 1 - k;
                ddTime[q] = t;
                ddHash[q] = hash;
            } else {
                ddSet.remove(hash);
                rememberId(t, hash);
            }
            if (!isEvent) {
                continue;
            }
            int action = r.u8();
            if (action >= CHANNELS) {
                throw r.corrupt("unknown action ordinal " + action);
            }
            String itemStr = r.id(id, policy.maxIdLength());
            long itemNum = id[0];
            String catS = r.id(id, policy.maxIdLength());
            long catN = id[0];
            if (direct) {
                int q = nEvents - 1 - k;
                evTime[q] = t;
                evHash[q] = hash;
                evAction[q] = (byte) action;
                evItemNum[q] = itemNum;
                evItemStr[q] = itemStr;
                evCatNum[q] = catN;
                evCatStr[q] = catS;
            } else {
                insertEvent(t, hash, (byte) action, itemNum, itemStr, catN, catS);
            }
        }
        if (direct) {
            evSize = nEvents;
            ddSize = total;
        }
        readCategories(r, false);
    }

    /** An upper bound of {@link #encode()}'s length under {@code policy}, whatever the events. */
    public static int maxEncodedSize(SequencePolicy policy) {
        int idMax = 10 + policy.maxIdLength() * 3;
        long size = 1 + 3 * 10 + 10 + 5
                + (long) policy.maxEvents() * (10 + 8 + 1 + 2 * idMax)
                + 5 + (long) policy.dedupCapacity() * (10 + 8)
                + 5 + (long) policy.categoryCapacity() * (10 + idMax)
                + 5;
        for (SequencePolicy.CounterWindow w : policy.windows()) {
            size += new WindowedCounts(w, CHANNELS).maxEncodedSize();
        }
        return (int) Math.min(Integer.MAX_VALUE, size);
    }

    // ------------------------------------------------------------------ equality

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof BehaviourSequence s)) {
            return false;
        }
        if (!policy.equals(s.policy) || version != s.version || lateEvents != s.lateEvents || duplicateEvents != s.duplicateEvents
                || latestTime != s.latestTime || evSize != s.evSize || ddSize != s.ddSize || catSize != s.catSize) {
            return false;
        }
        for (int i = 0; i < evSize; i++) {
            int a = ev(i);
            int b = s.ev(i);
            if (evTime[a] != s.evTime[b] || evHash[a] != s.evHash[b] || evAction[a] != s.evAction[b]
                    || evItemNum[a] != s.evItemNum[b] || !Objects.equals(evItemStr[a], s.evItemStr[b])
                    || evCatNum[a] != s.evCatNum[b] || !Objects.equals(evCatStr[a], s.evCatStr[b])) {
                return false;
            }
        }
        for (int i = 0; i < ddSize; i++) {
            int a = dd(i);
            int b = s.dd(i);
            if (ddTime[a] != s.ddTime[b] || ddHash[a] != s.ddHash[b]) {
                return false;
            }
        }
        for (int i = 0; i < catSize; i++) {
            if (catNum[i] != s.catNum[i] || !Objects.equals(catStr[i], s.catStr[i]) || catCount[i] != s.catCount[i]) {
                return false;
            }
        }
        for (int i = 0; i < counters.length; i++) {
            if (!counters[i].equals(s.counters[i])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return Objects.hash(version, latestTime, lateEvents, duplicateEvents, evSize, catSize);
    }

    @Override
    public String toString() {
        return "BehaviourSequence[version=" + version + ", latest=" + (hasEvents() ? Instant.ofEpochMilli(latestTime) : "none")
                + ", events=" + evSize + ", ids=" + ddSize + ", categories=" + catSize
                + ", late=" + lateEvents + ", duplicates=" + duplicateEvents + "]";
    }
}
