package dev.tandem.features.sequence;

import dev.tandem.schemas.Action;
import dev.tandem.schemas.UserFeatures;
import java.time.Instant;
import java.util.ArrayList;
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
 * <p>This class holds the state and its update rules; {@link SequenceCodec} gives the compact binary form
 * ({@link #encode()}, {@link #decode(byte[], SequencePolicy)}; {@link SequenceFormat1} reads the previous
 * format) and {@link UserFeaturesProjection} the {@code UserFeatures} view. Mutated in place by
 * {@link SequenceUpdater}; not thread-safe.
 */
public final class BehaviourSequence {
    /** Leading byte of {@link #encode()}. */
    public static final int FORMAT_VERSION = 2;
    /** The previous format, still decoded (and rewritten as {@link #FORMAT_VERSION} by the next encode). */
    public static final int FORMAT_VERSION_1 = 1;

    static final Action[] ACTIONS = Action.values();
    static final int CHANNELS = ACTIONS.length;

    // The codec and the projection (same package) read and restore these fields directly: the state is
    // flat primitive arrays so that the per-event decode → apply → encode of the Streams store stays cheap.
    final SequencePolicy policy;
    private final long grace;

    // the last N events: a ring sorted by (time, hash)
    final Ring events;
    final long[] evTime;
    final long[] evHash;
    final byte[] evAction;
    final long[] evItemNum;
    final String[] evItemStr;
    final long[] evCatNum;
    final String[] evCatStr;

    // remembered ids: a ring sorted by (time, hash), and the set of its hashes
    final Ring ids;
    final long[] ddTime;
    final long[] ddHash;
    final LongHashSet ddSet;

    // category table sorted by (count desc, id asc)
    final long[] catNum;
    final String[] catStr;
    final long[] catCount;
    int catSize;

    final WindowedCounts[] counters;
    /** Scratch of {@link SequenceCodec#encode}: open-addressing index (position + 1) of the numeric categories of the table. */
    int[] catLookup;

    long latestTime = Long.MIN_VALUE;
    long version;
    long lateEvents;
    long duplicateEvents;

    public BehaviourSequence(SequencePolicy policy) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.grace = policy.graceMs();
        int evCap = policy.maxEvents();
        evTime = new long[evCap];
        evHash = new long[evCap];
        evAction = new byte[evCap];
        evItemNum = new long[evCap];
        evItemStr = new String[evCap];
        evCatNum = new long[evCap];
        evCatStr = new String[evCap];
        events = new Ring(evCap, evTime, evHash, evAction, evItemNum, evItemStr, evCatNum, evCatStr);
        int ddCap = policy.dedupCapacity();
        ddTime = new long[ddCap];
        ddHash = new long[ddCap];
        ids = new Ring(ddCap, ddTime, ddHash);
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
    UpdateOutcome apply(
            long idHash, long time, Action action, long itemNum, String itemStr, long catNum, String catStr) {
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
    void forgetBeyondGrace() {
        while (ids.size > 0 && beyondGrace(ddTime[ids.head])) {
            ddSet.remove(ddHash[ids.head]);
            ddHash[ids.head] = 0;
            ids.dropOldest();
        }
        for (int i = 0; i < events.size; i++) {
            int q = events.slot(i);
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

    /** Keeps the id if it is among the dedupCapacity newest by (time, hash). */
    void rememberId(long time, long hash) {
        // find the insertion point (binary search on the logical order)
        int lo = 0;
        int hi = ids.size;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            int q = ids.slot(mid);
            if (compareKey(ddTime[q], ddHash[q], time, hash) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        int p = lo;
        if (ids.size == ids.cap) {
            if (p == 0) {
                return; // older than everything remembered: not among the newest
            }
            ddSet.remove(ddHash[ids.head]);
            ids.dropOldest();
            p--;
        }
        int q = ids.openAt(p);
        ddTime[q] = time;
        ddHash[q] = hash;
        ddSet.add(hash);
    }

    void insertEvent(long time, long hash, byte action, long itemNum, String itemStr, long catN, String catS) {
        int p = events.size;
        while (p > 0) {
            int q = events.slot(p - 1);
            if (compareKey(evTime[q], evHash[q], time, hash) < 0) {
                break;
            }
            p--;
        }
        if (events.size == events.cap) {
            if (p == 0) {
                return; // older than the N kept events
            }
            evItemStr[events.head] = null;
            evCatStr[events.head] = null;
            events.dropOldest();
            p--;
        }
        writeEvent(events.openAt(p), time, hash, action, itemNum, itemStr, catN, catS);
    }

    /** Fills slot {@code q} of the event ring (the decoders place events straight into their slots too). */
    void writeEvent(int q, long time, long hash, byte action, long itemNum, String itemStr, long catN, String catS) {
        evTime[q] = time;
        evHash[q] = hash;
        evAction[q] = action;
        evItemNum[q] = itemNum;
        evItemStr[q] = itemStr;
        evCatNum[q] = catN;
        evCatStr[q] = catS;
    }

    /** rank order: count desc, then id asc. Negative if entry i ranks before (num, str, count). */
    private int compareRank(long countA, long numA, String strA, long countB, long numB, String strB) {
        int c = Long.compare(countB, countA);
        return c != 0 ? c : Codec.compareIds(numA, strA, numB, strB);
    }

    void countCategory(long num, String str, long add) {
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
        while (i > 0
                && compareRank(catCount[i], catNum[i], catStr[i], catCount[i - 1], catNum[i - 1], catStr[i - 1]) < 0) {
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
        return ids.size;
    }

    /** Number of kept events (at most N). Index 0 is the oldest. */
    public int size() {
        return events.size;
    }

    public long eventTimeMs(int i) {
        return evTime[slot(i)];
    }

    public Action action(int i) {
        return ACTIONS[evAction[slot(i)]];
    }

    public String itemId(int i) {
        int q = slot(i);
        return Codec.idString(evItemNum[q], evItemStr[q]);
    }

    public String categoryId(int i) {
        int q = slot(i);
        return Codec.idString(evCatNum[q], evCatStr[q]);
    }

    /**
     * The 64-bit hash of the i-th kept event's id (the tie-breaker of its order), or 0 once the event is
     * behind {@code latest − grace} (forgotten: no tie can be broken that far back any more).
     */
    public long eventIdHash(int i) {
        return evHash[slot(i)];
    }

    private int slot(int i) {
        return events.slot(Objects.checkIndex(i, events.size));
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
    public record CategoryTally(String categoryId, long count) {}

    /**
     * The {@code UserFeatures} of this state: as_of is the latest event time (epoch 0 when there is
     * none), events oldest first, action_counts for every window (policy order) × every action
     * (enum order) including zeros, so the vector has a fixed shape, counted as of the latest event
     * time; top_categories the first K of the table.
     */
    public UserFeatures toUserFeatures(String userId) {
        return UserFeaturesProjection.toUserFeatures(this, userId);
    }

    /**
     * {@code prefix} followed by {@link #toUserFeatures(String)} in Avro binary encoding, without building the
     * record (see {@link UserFeaturesProjection#avro}).
     */
    public byte[] userFeaturesAvro(byte[] prefix, String userId) {
        return UserFeaturesProjection.avro(this, prefix, userId);
    }

    /** A copy with other late and duplicate counts (for comparing states regardless of rejections). */
    BehaviourSequence withRejections(long late, long duplicates) {
        BehaviourSequence copy = decode(encode(), policy);
        copy.lateEvents = late;
        copy.duplicateEvents = duplicates;
        return copy;
    }

    // ------------------------------------------------------------------ binary form (SequenceCodec)

    /** The compact binary form, format {@value #FORMAT_VERSION} (layout in {@link SequenceCodec}). */
    public byte[] encode() {
        return SequenceCodec.encode(this);
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
        return SequenceCodec.decode(bytes, policy);
    }

    /**
     * The latest event time stored in {@code bytes} (format 1 or 2) without decoding the rest (what a TTL
     * scan over every user needs), or {@link Long#MIN_VALUE} if the state has no accepted event.
     *
     * @throws IllegalArgumentException on an unknown format version or truncated bytes
     */
    public static long peekLatestEventTimeMs(byte[] bytes) {
        return SequenceCodec.peekLatestEventTimeMs(bytes);
    }

    /** An upper bound of {@link #encode()}'s length under {@code policy}, whatever the events. */
    public static int maxEncodedSize(SequencePolicy policy) {
        return SequenceCodec.maxEncodedSize(policy);
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
        if (!policy.equals(s.policy)
                || version != s.version
                || lateEvents != s.lateEvents
                || duplicateEvents != s.duplicateEvents
                || latestTime != s.latestTime
                || events.size != s.events.size
                || ids.size != s.ids.size
                || catSize != s.catSize) {
            return false;
        }
        for (int i = 0; i < events.size; i++) {
            int a = events.slot(i);
            int b = s.events.slot(i);
            if (evTime[a] != s.evTime[b]
                    || evHash[a] != s.evHash[b]
                    || evAction[a] != s.evAction[b]
                    || evItemNum[a] != s.evItemNum[b]
                    || !Objects.equals(evItemStr[a], s.evItemStr[b])
                    || evCatNum[a] != s.evCatNum[b]
                    || !Objects.equals(evCatStr[a], s.evCatStr[b])) {
                return false;
            }
        }
        for (int i = 0; i < ids.size; i++) {
            int a = ids.slot(i);
            int b = s.ids.slot(i);
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
        return Objects.hash(version, latestTime, lateEvents, duplicateEvents, events.size, catSize);
    }

    @Override
    public String toString() {
        return "BehaviourSequence[version=" + version + ", latest="
                + (hasEvents() ? Instant.ofEpochMilli(latestTime) : "none")
                + ", events=" + events.size + ", ids=" + ids.size + ", categories=" + catSize
                + ", late=" + lateEvents + ", duplicates=" + duplicateEvents + "]";
    }
}
