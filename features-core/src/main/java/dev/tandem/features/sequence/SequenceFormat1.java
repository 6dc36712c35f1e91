package dev.tandem.features.sequence;

import static dev.tandem.features.sequence.BehaviourSequence.CHANNELS;

/**
 * The reader of format 1's body (frozen: states written by the previous code must restore whatever format 2
 * becomes; {@code FormatV1CompatibilityTest} holds bytes that code wrote). Between the header and the
 * counters, both shared with format 2 ({@link SequenceCodec}):
 * <pre>
 * varint  n_events, varint n_older_ids
 * n_events × newest first: varlong Δt, fixed64 id hash, u8 action ordinal, id item, id category
 * n_older_ids × newest first: varlong Δt, fixed64 id hash
 * varint  n_categories, then most frequent first: varlong count, id category
 * id:     varlong value&lt;&lt;1 (numeric), or varlong utf8_len&lt;&lt;1|1 + UTF-8
 * </pre>
 * Every id hash was kept whatever its age; {@link SequenceCodec#decode} then forgets those behind the grace.
 */
final class SequenceFormat1 {
    private SequenceFormat1() {}

    static void readEventsAndCategories(BehaviourSequence s, Codec.Reader r) {
        int maxIdLength = s.policy.maxIdLength();
        int nEvents = r.count(Math.min(s.version, SequencePolicy.MAX_EVENTS_LIMIT), "event count");
        if (nEvents == 0) {
            throw r.corrupt("no events although sequence_version is " + s.version);
        }
        int older = r.count(Math.min(s.version, SequencePolicy.MAX_DEDUP_LIMIT), "remembered id count");
        long[] id = new long[1];
        int total = nEvents + older;
        boolean direct = nEvents <= s.events.cap && total <= s.ids.cap;
        long previous = s.latestTime;
        long previousHash = 0;
        for (int k = 0; k < total; k++) {
            boolean isEvent = k < nEvents;
            long t = previous - r.nonNegative("event time delta");
            if (t > previous) {
                throw r.corrupt("event time underflow");
            }
            if (k == 0 && t != s.latestTime) {
                throw r.corrupt("newest event is not at the latest time");
            }
            long hash = r.fixed64();
            if (hash == 0 || (k > 0 && t == previous && Long.compare(hash, previousHash) >= 0)) {
                throw r.corrupt("event ids out of order or zero");
            }
            previous = t;
            previousHash = hash;
            if (!s.ddSet.add(hash)) {
                throw r.corrupt("repeated event id hash");
            }
            if (direct) {
                int q = total - 1 - k;
                s.ddTime[q] = t;
                s.ddHash[q] = hash;
            } else {
                s.ddSet.remove(hash);
                s.rememberId(t, hash);
            }
            if (!isEvent) {
                continue;
            }
            int action = r.u8();
            if (action >= CHANNELS) {
                throw r.corrupt("unknown action ordinal " + action);
            }
            String itemStr = r.id(id, maxIdLength);
            long itemNum = id[0];
            String catS = r.id(id, maxIdLength);
            long catN = id[0];
            if (direct) {
                s.writeEvent(nEvents - 1 - k, t, hash, (byte) action, itemNum, itemStr, catN, catS);
            } else {
                s.insertEvent(t, hash, (byte) action, itemNum, itemStr, catN, catS);
            }
        }
        if (direct) {
            s.events.size = nEvents;
            s.ids.size = total;
        }
        readCategories(s, r, maxIdLength);
    }

    private static void readCategories(BehaviourSequence s, Codec.Reader r, int maxIdLength) {
        int nCats = r.count(SequencePolicy.MAX_CATEGORY_LIMIT, "category count");
        long[] id = new long[1];
        for (int i = 0; i < nCats; i++) {
            long count = r.nonNegative("category count");
            String str = r.id(id, maxIdLength);
            if (count == 0) {
                throw r.corrupt("zero category count");
            }
            if (s.catSize < s.catNum.length) {
                s.countCategory(id[0], str, count);
            }
        }
    }
}
