package dev.tandem.inference.core;

import dev.tandem.model.features.FeatureEncoder;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.features.ItemCode;
import dev.tandem.model.features.UserVector;
import dev.tandem.schemas.Candidate;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.SequenceEvent;
import dev.tandem.schemas.UserFeatures;
import java.util.List;
import java.util.function.Function;

/**
 * Encodes (request, the user's latest features or none, the catalog) into an {@link EncodedRequest}
 * with the model's {@link FeatureEncoder}: pure Java. A candidate's own metadata in the request
 * overrides the catalog; an item neither knows is encoded by its hashed id only (category, brand
 * and price bucket 0). Not thread-safe (reuses one {@link UserVector}).
 *
 * <p>Split in two so the join does the expensive part once per update, not once per request:
 * {@link #encodeUser(UserFeatures)} (when features arrive: hashing, counters) and
 * {@link #itemCodes} (when catalog entries arrive), then per request only the time-dependent part
 * (time-gap ids, recency) in {@link #join}. The
 * result equals {@code FeatureEncoder.encodeUser} at the request time, value for value.
 */
public final class RequestEncoder {
    private final FeatureEncoder encoder;
    private final UserVector user;
    private final int l;
    private final int dense;
    private final double recencyNorm;
    private final EncodedUser empty;

    public RequestEncoder(FeatureSpec spec) {
        this.encoder = new FeatureEncoder(spec);
        this.user = encoder.newUserVector();
        this.l = spec.sequenceLength();
        this.dense = spec.denseWidth();
        // as FeatureEncoder.finishDense
        this.recencyNorm = 1.0 / Math.log1p(spec.recencyScaleHours());
        this.empty = encodeState(null);
    }

    public FeatureEncoder encoder() {
        return encoder;
    }

    /** The request-time-independent encoding of {@code features} (a tombstone or null: null). */
    public EncodedUser encodeUser(UserFeatures features) {
        return features == null || FeatureUpdates.isTombstone(features) ? null : encodeState(features);
    }

    private EncodedUser encodeState(UserFeatures features) {
        long ref = features == null ? 0L : features.getAsOf().toEpochMilli();
        encoder.encodeUser(features, ref, user);
        EncodedUser u = new EncodedUser();
        u.asOfMs = ref;
        u.sequenceVersion = features == null ? 0L : features.getSequenceVersion();
        u.seqItem = user.seqItem();
        u.seqCategory = user.seqCategory();
        u.seqAction = user.seqAction();
        u.dense = user.dense();
        u.dense[dense - 2] = 0f; // recency: per request
        int take = user.filled();
        u.eventTimeMs = new long[take];
        if (take > 0) {
            List<SequenceEvent> events = features.getEvents();
            int n = events.size();
            for (int k = 0; k < take; k++) {
                u.eventTimeMs[k] = events.get(n - take + k).getEventTime().toEpochMilli();
            }
        }
        return u;
    }

    /**
     * A catalog entry's codes: {item, category, brand, price bucket, price's high and low 32 bits} (what the join keeps
     * in broadcast state). The raw price rides along, as two ints of its double, so predictions can carry it to the
     * serving sinks (expected-value ranking) without a second catalog lookup; an unknown price is NaN's bits.
     */
    public int[] itemCodes(String itemId, ItemMetadata md) {
        ItemCode c = md == null ? encoder.encodeItem(itemId, null, null, null) : encodeItem(itemId, md);
        Double price = md == null ? null : md.getPrice();
        long bits = Double.doubleToRawLongBits(price == null ? Double.NaN : price);
        return new int[] {c.item(), c.category(), c.brand(), c.priceBucket(), (int) (bits >>> 32), (int) bits};
    }

    /** The raw price in {@link #itemCodes}, NaN when unknown (also for codes packed before the price was kept). */
    static double price(int[] codes) {
        if (codes.length < 6) return Double.NaN;
        return Double.longBitsToDouble(((long) codes[4] << 32) | (codes[5] & 0xffffffffL));
    }

    /** @param catalog item id → metadata, or null when unknown */
    public EncodedRequest encode(
            ScoringRequest request, UserFeatures features, Function<String, ItemMetadata> catalog, long receivedAtMs) {
        return join(
                request,
                encodeUser(features),
                id -> {
                    ItemMetadata md = catalog.apply(id);
                    return md == null ? null : itemCodes(id, md);
                },
                receivedAtMs);
    }

    /**
     * @param features the user's encoded features, or null when none
     * @param catalogCodes item id → {@link #itemCodes} of its catalog entry, or null when unknown
     */
    public EncodedRequest join(
            ScoringRequest request, EncodedUser features, Function<String, int[]> catalogCodes, long receivedAtMs) {
        long t = request.getRequestTime().toEpochMilli();
        EncodedUser u = features == null ? empty : features;
        EncodedRequest out = new EncodedRequest();
        out.requestId = request.getRequestId();
        out.userId = request.getUserId();
        out.requestTimeMs = t;
        out.receivedAtMs = receivedAtMs;
        out.featuresAsOf = features == null ? null : features.asOfMs;
        // never written by anyone downstream: shared with the EncodedUser instead of copied
        out.seqItem = u.seqItem;
        out.seqCategory = u.seqCategory;
        out.seqAction = u.seqAction;
        int take = u.filled();
        int pad = l - take;
        int[] gaps = new int[l];
        for (int k = 0; k < take; k++) {
            gaps[pad + k] = encoder.timeGapId(t - u.eventTimeMs[k]);
        }
        out.seqTimeGap = gaps;
        float[] d = u.dense.clone();
        d[dense - 2] = recency(take == 0 ? Long.MIN_VALUE : u.asOfMs, t);
        out.userDense = d;
        List<Candidate> cands = request.getCandidates();
        int n = cands.size();
        out.itemIds = new String[n];
        out.candItem = new int[n];
        out.candCategory = new int[n];
        out.candBrand = new int[n];
        out.candPrice = new int[n];
        out.candPriceValue = new double[n];
        for (int i = 0; i < n; i++) {
            Candidate c = cands.get(i);
            String id = c.getItemId();
            int[] code = c.getMetadata() != null ? itemCodes(id, c.getMetadata()) : catalogCodes.apply(id);
            if (code == null) {
                code = itemCodes(id, null);
            }
            out.itemIds[i] = id;
            out.candItem[i] = code[0];
            out.candCategory[i] = code[1];
            out.candBrand[i] = code[2];
            out.candPrice[i] = code[3];
            out.candPriceValue[i] = price(code);
        }
        return out;
    }

    // FeatureEncoder.finishDense's recency, for a request time other than the one the user was encoded at
    private float recency(long latestMs, long requestTimeMs) {
        if (latestMs == Long.MIN_VALUE) {
            return 1f;
        }
        double hours = Math.max(0, requestTimeMs - latestMs) / 3_600_000.0;
        return (float) Math.min(1.5, Math.log1p(hours) * recencyNorm);
    }

    private ItemCode encodeItem(String id, ItemMetadata md) {
        List<String> path = md.getCategoryPath();
        String leaf = path == null || path.isEmpty() ? null : path.get(path.size() - 1);
        return encoder.encodeItem(id, leaf, md.getBrand(), md.getPrice());
    }
}
