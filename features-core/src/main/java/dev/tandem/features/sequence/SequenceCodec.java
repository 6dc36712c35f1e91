package dev.tandem.features.sequence;

import static dev.tandem.features.sequence.BehaviourSequence.CHANNELS;
import static dev.tandem.features.sequence.BehaviourSequence.FORMAT_VERSION;
import static dev.tandem.features.sequence.BehaviourSequence.FORMAT_VERSION_1;

import java.util.Arrays;
import java.util.Objects;

/**
 * The binary form of a {@link BehaviourSequence}, version {@value BehaviourSequence#FORMAT_VERSION}:
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
 * Format 1 ({@link SequenceFormat1}, still decoded) had the categories after the ids, a hash on every event,
 * 256 ids whatever their age and ids without refs ({@code value<<1}, {@code utf8_len<<1|1}). Both formats
 * share the header and the counters section.
 */
final class SequenceCodec {
    /** How far back (in events, newest first) format 2 looks for the same item to refer to instead of repeating it. */
    private static final int ITEM_BACK_REFERENCES = 16;

    private SequenceCodec() {}

    // ------------------------------------------------------------------ encode

    static byte[] encode(BehaviourSequence s) {
        Ring events = s.events;
        int evSize = events.size;
        Codec.Writer w = new Codec.Writer(64 + evSize * 16 + s.ids.size * 10 + s.catSize * 6);
        w.u8(FORMAT_VERSION);
        w.varlong(s.version);
        w.varlong(s.lateEvents);
        w.varlong(s.duplicateEvents);
        if (s.version == 0) {
            return w.toByteArray();
        }
        w.zigzag(s.latestTime);
        w.varlong(s.catSize);
        for (int i = 0; i < s.catSize; i++) {
            w.varlong(s.catCount[i]);
            w.taggedId(s.catNum[i], s.catStr[i]);
        }
        int[] lookup = categoryLookup(s);
        int hashedEvents = 0;
        for (int i = 0; i < evSize; i++) {
            if (s.evHash[events.slot(i)] != 0) {
                hashedEvents++;
            }
        }
        // the ids of kept events with a hash are the newest remembered ones (both are newest-first by the same key)
        int olderIds = s.ids.size - hashedEvents;
        if (olderIds < 0) {
            throw new IllegalStateException("kept events with a hash are not all remembered: " + s);
        }
        w.varlong(evSize);
        w.varlong(olderIds);
        long previous = s.latestTime;
        for (int j = 0; j < evSize; j++) {
            int q = events.slot(evSize - 1 - j);
            w.varlong(previous - s.evTime[q]);
            previous = s.evTime[q];
            long hash = s.evHash[q];
            w.u8(s.evAction[q] | (hash != 0 ? 0x80 : 0));
            if (hash != 0) {
                w.fixed64(hash);
            }
            int back = 0;
            for (int k = 1; k <= j && k <= ITEM_BACK_REFERENCES; k++) {
                int o = events.slot(evSize - 1 - j + k);
                if (s.evItemNum[o] == s.evItemNum[q] && Objects.equals(s.evItemStr[o], s.evItemStr[q])) {
                    back = k;
                    break;
                }
            }
            if (back > 0) {
                w.ref(back);
            } else {
                w.taggedId(s.evItemNum[q], s.evItemStr[q]);
            }
            int c = categoryIndex(s, s.evCatNum[q], s.evCatStr[q], lookup);
            if (c >= 0) {
                w.ref(c);
            } else {
                w.taggedId(s.evCatNum[q], s.evCatStr[q]);
            }
        }
        for (int i = olderIds - 1; i >= 0; i--) {
            int q = s.ids.slot(i);
            w.varlong(previous - s.ddTime[q]);
            previous = s.ddTime[q];
            w.fixed64(s.ddHash[q]);
        }
        WindowedCounts.encodeAll(w, s.counters);
        return w.toByteArray();
    }

    /** The numeric categories of the table by value (linear probing; 0 = empty, else position + 1), in the sequence's scratch. */
    private static int[] categoryLookup(BehaviourSequence s) {
        if (s.catLookup == null) {
            s.catLookup = new int[Integer.highestOneBit(Math.max(4, s.catNum.length * 4 - 1)) << 1];
        } else {
            Arrays.fill(s.catLookup, 0);
        }
        int[] lookup = s.catLookup;
        int mask = lookup.length - 1;
        for (int i = 0; i < s.catSize; i++) {
            if (s.catStr[i] == null) {
                int h = mix(s.catNum[i]) & mask;
                while (lookup[h] != 0) {
                    h = (h + 1) & mask;
                }
                lookup[h] = i + 1;
            }
        }
        return lookup;
    }

    private static int mix(long v) {
        long h = v * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    /** The category's position in the table, or −1 (a linear scan of 64 entries per event cost 10 % of the stream thread). */
    private static int categoryIndex(BehaviourSequence s, long num, String str, int[] lookup) {
        if (str == null) {
            int mask = lookup.length - 1;
            for (int h = mix(num) & mask; lookup[h] != 0; h = (h + 1) & mask) {
                int i = lookup[h] - 1;
                if (s.catNum[i] == num && s.catStr[i] == null) {
                    return i;
                }
            }
            return -1;
        }
        for (int i = 0; i < s.catSize; i++) {
            if (str.equals(s.catStr[i])) {
                return i;
            }
        }
        return -1;
    }

    /** See {@link BehaviourSequence#maxEncodedSize}. */
    static int maxEncodedSize(SequencePolicy policy) {
        int idMax = 10 + policy.maxIdLength() * 3;
        long size = 1
                + 3 * 10
                + 10
                + 5
                + (long) policy.maxEvents() * (10 + 8 + 1 + 2 * idMax)
                + 5
                + (long) policy.dedupCapacity() * (10 + 8)
                + 5
                + (long) policy.categoryCapacity() * (10 + idMax)
                + 5;
        for (SequencePolicy.CounterWindow w : policy.windows()) {
            size += new WindowedCounts(w, CHANNELS).maxEncodedSize();
        }
        return (int) Math.min(Integer.MAX_VALUE, size);
    }

    // ------------------------------------------------------------------ decode (formats 1 and 2)

    /** See {@link BehaviourSequence#peekLatestEventTimeMs}. */
    static long peekLatestEventTimeMs(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length == 0 || ((bytes[0] & 0xFF) != FORMAT_VERSION && (bytes[0] & 0xFF) != FORMAT_VERSION_1)) {
            throw new IllegalArgumentException(
                    "not a BehaviourSequence of format version " + FORMAT_VERSION_1 + " or " + FORMAT_VERSION);
        }
        Codec.Reader r = new Codec.Reader(bytes, "BehaviourSequence");
        r.u8();
        long version = r.nonNegative("sequence version");
        r.nonNegative("late events");
        r.nonNegative("duplicate events");
        return version == 0 ? Long.MIN_VALUE : r.zigzag();
    }

    /** See {@link BehaviourSequence#decode}. */
    static BehaviourSequence decode(byte[] bytes, SequencePolicy policy) {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length == 0) {
            throw new IllegalArgumentException(
                    "empty BehaviourSequence bytes: expected format version " + FORMAT_VERSION);
        }
        int format = bytes[0] & 0xFF;
        if (format != FORMAT_VERSION && format != FORMAT_VERSION_1) {
            throw new IllegalArgumentException("unknown BehaviourSequence format version " + format
                    + " (this code reads " + FORMAT_VERSION_1 + " and " + FORMAT_VERSION + ")");
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
            SequenceFormat1.readEventsAndCategories(s, r);
        } else {
            readEvents(s, r, readCategories(s, r));
        }
        WindowedCounts.decodeAll(r, s.counters, s.latestTime);
        r.expectEnd();
        s.forgetBeyondGrace(); // a no-op for format 2 under the same policy
        for (int i = 0; i < s.events.size; i++) {
            long hash = s.evHash[s.events.slot(i)];
            if (hash != 0 && !s.ddSet.contains(hash)) {
                // only out-of-order (corrupt) bytes get here; encode() relies on it
                throw r.corrupt("a kept event's id is not among the remembered ones");
            }
        }
        return s;
    }

    /** The category table as encoded, which format 2's category refs point into (the policy may keep fewer entries). */
    private record Table(long[] num, String[] str) {}

    private static Table readCategories(BehaviourSequence s, Codec.Reader r) {
        int nCats = r.count(SequencePolicy.MAX_CATEGORY_LIMIT, "category count");
        long[] id = new long[1];
        String[] str = new String[1];
        long[] tableNum = new long[nCats];
        String[] tableStr = new String[nCats];
        for (int i = 0; i < nCats; i++) {
            long count = r.nonNegative("category count");
            if (r.taggedId(id, str, s.policy.maxIdLength()) >= 0) {
                throw r.corrupt("a reference in the category table");
            }
            tableNum[i] = id[0];
            tableStr[i] = str[0];
            if (count == 0) {
                throw r.corrupt("zero category count");
            }
            if (s.catSize < s.catNum.length) {
                s.countCategory(id[0], str[0], count);
            }
        }
        return new Table(tableNum, tableStr);
    }

    private static void readEvents(BehaviourSequence s, Codec.Reader r, Table table) {
        int maxIdLength = s.policy.maxIdLength();
        int nEvents = r.count(Math.min(s.version, SequencePolicy.MAX_EVENTS_LIMIT), "event count");
        if (nEvents == 0) {
            throw r.corrupt("no events although sequence_version is " + s.version);
        }
        int older = r.count(Math.min(s.version, SequencePolicy.MAX_DEDUP_LIMIT), "remembered id count");
        // the usual case places entries straight into their slots (ids newest first, reversed at the end);
        // a policy that shrank goes through the insert path
        boolean direct = nEvents <= s.events.cap && nEvents + older <= s.ids.cap;
        long[] itemNums = new long[Math.min(nEvents, ITEM_BACK_REFERENCES + 1)];
        String[] itemStrs = new String[itemNums.length];
        long[] id = new long[1];
        String[] str = new String[1];
        long previous = s.latestTime;
        long previousHash = 0;
        int nIds = 0;
        for (int k = 0; k < nEvents + older; k++) {
            boolean isEvent = k < nEvents;
            long t = previous - r.nonNegative("event time delta");
            if (t > previous) {
                throw r.corrupt("event time underflow");
            }
            if (k == 0 && t != s.latestTime) {
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
                if (hash == 0
                        || (k > 0 && t == previous && previousHash != 0 && Long.compare(hash, previousHash) >= 0)) {
                    throw r.corrupt("event ids out of order or zero");
                }
                if (!s.ddSet.add(hash)) {
                    throw r.corrupt("repeated event id hash");
                }
                if (direct) {
                    s.ddTime[nIds] = t;
                    s.ddHash[nIds] = hash;
                    nIds++;
                } else {
                    s.ddSet.remove(hash);
                    s.rememberId(t, hash);
                }
            }
            previous = t;
            previousHash = hash;
            if (!isEvent) {
                continue;
            }
            int slot = k % itemNums.length;
            long ref = r.taggedId(id, str, maxIdLength);
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
            ref = r.taggedId(id, str, maxIdLength);
            if (ref >= 0) {
                if (ref >= table.num().length) {
                    throw r.corrupt("category reference " + ref + " beyond the table of " + table.num().length);
                }
                id[0] = table.num()[(int) ref];
                str[0] = table.str()[(int) ref];
            }
            if (direct) {
                s.writeEvent(nEvents - 1 - k, t, hash, (byte) action, itemNum, itemStr, id[0], str[0]);
            } else {
                s.insertEvent(t, hash, (byte) action, itemNum, itemStr, id[0], str[0]);
            }
        }
        if (direct) {
            s.events.size = nEvents;
            s.ids.size = nIds;
            for (int i = 0, j = nIds - 1; i < j; i++, j--) {
                long tt = s.ddTime[i];
                s.ddTime[i] = s.ddTime[j];
                s.ddTime[j] = tt;
                long hh = s.ddHash[i];
                s.ddHash[i] = s.ddHash[j];
                s.ddHash[j] = hh;
            }
        }
    }
}
