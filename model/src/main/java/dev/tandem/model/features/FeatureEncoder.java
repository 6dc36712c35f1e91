package dev.tandem.model.features;

import dev.tandem.features.sequence.BehaviourSequence;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.SequenceEvent;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.WindowCount;
import java.util.List;
import java.util.Objects;

/**
 * Encodes (user features, candidate item, request time) into the fixed-shape rows of a
 * {@link FeatureSpec}: plain Java, shared by the trainer and the scoring job. Thread-safe (it holds
 * only immutable lookup tables); the buffers it writes into are not.
 *
 * <p>Per request: {@link #encodeUser} once (sequence ids, time gaps, counters), then
 * {@link #writeRow} per candidate, which copies the user half and hashes the candidate's ids.
 * The sequence is the newest L events, oldest first, left-padded with 0.
 */
public final class FeatureEncoder {
    private static final Action[] ACTIONS = Action.values();

    private final FeatureSpec spec;
    private final int l;
    private final int itemBuckets;
    private final int catBuckets;
    private final int brandBuckets;
    private final int itemSeed;
    private final int catSeed;
    private final int brandSeed;
    private final int[] actionId; // by Action ordinal
    private final long[] gapBounds;
    private final double[] priceBounds;
    private final long[] windows;
    private final int[] counterSlot; // by Action ordinal: index into counterActions, or -1
    private final int nCounterActions;
    private final int dense;
    private final double recencyNorm;
    private final double counterNorm;

    public FeatureEncoder(FeatureSpec spec) {
        this.spec = Objects.requireNonNull(spec, "spec");
        l = spec.sequenceLength();
        itemBuckets = spec.itemBuckets();
        catBuckets = spec.categoryBuckets();
        brandBuckets = spec.brandBuckets();
        itemSeed = spec.hashSeed();
        catSeed = spec.hashSeed() + 1;
        brandSeed = spec.hashSeed() + 2;
        actionId = new int[ACTIONS.length];
        List<String> names = spec.actions();
        int unknown = names.indexOf(Action.UNKNOWN.name());
        for (Action a : ACTIONS) {
            int i = names.indexOf(a.name());
            actionId[a.ordinal()] = i >= 0 ? i + 1 : unknown >= 0 ? unknown + 1 : 0;
        }
        gapBounds =
                spec.timeGapBoundariesMs().stream().mapToLong(Long::longValue).toArray();
        priceBounds =
                spec.priceBoundaries().stream().mapToDouble(Double::doubleValue).toArray();
        windows = spec.counterWindowsMs().stream().mapToLong(Long::longValue).toArray();
        counterSlot = new int[ACTIONS.length];
        java.util.Arrays.fill(counterSlot, -1);
        for (int i = 0; i < spec.counterActions().size(); i++) {
            counterSlot[Action.valueOf(spec.counterActions().get(i)).ordinal()] = i;
        }
        nCounterActions = spec.counterActions().size();
        dense = spec.denseWidth();
        recencyNorm = 1.0 / Math.log1p(spec.recencyScaleHours());
        counterNorm = 1.0 / Math.log1p(100.0);
    }

    public FeatureSpec spec() {
        return spec;
    }

    public EncodedBatch newBatch(int capacity) {
        return new EncodedBatch(spec, capacity);
    }

    public UserVector newUserVector() {
        return new UserVector(spec);
    }

    // ------------------------------------------------------------------ ids

    public int itemId(CharSequence itemId) {
        return itemId == null || itemId.isEmpty() ? 0 : Murmur3.bucket(itemId, itemSeed, itemBuckets);
    }

    public int categoryId(CharSequence categoryId) {
        return categoryId == null || categoryId.isEmpty() ? 0 : Murmur3.bucket(categoryId, catSeed, catBuckets);
    }

    public int brandId(CharSequence brand) {
        return brand == null || brand.isEmpty() ? 0 : Murmur3.bucket(brand, brandSeed, brandBuckets);
    }

    public int actionId(Action a) {
        return a == null ? 0 : actionId[a.ordinal()];
    }

    /** 1 + the number of boundaries ≤ gap (gap clamped at 0). */
    public int timeGapId(long gapMs) {
        long g = Math.max(0, gapMs);
        int i = 0;
        while (i < gapBounds.length && gapBounds[i] <= g) {
            i++;
        }
        return i + 1;
    }

    /** 0 when unknown (null, NaN, negative), else 1 + the number of boundaries ≤ price. */
    public int priceId(Double price) {
        if (price == null) {
            return 0;
        }
        double p = price;
        if (!(p >= 0) || Double.isInfinite(p)) {
            return 0;
        }
        int i = 0;
        while (i < priceBounds.length && priceBounds[i] <= p) {
            i++;
        }
        return i + 1;
    }

    /** The candidate's encoded ids; the leaf of the category path is its category. */
    public ItemCode encodeItem(ItemMetadata item) {
        List<String> path = item.getCategoryPath();
        String leaf = path == null || path.isEmpty() ? null : path.get(path.size() - 1);
        return new ItemCode(
                itemId(item.getItemId()), categoryId(leaf), brandId(item.getBrand()), priceId(item.getPrice()));
    }

    public ItemCode encodeItem(String itemId, String categoryId, String brand, Double price) {
        return new ItemCode(itemId(itemId), categoryId(categoryId), brandId(brand), priceId(price));
    }

    // ------------------------------------------------------------------ user half

    /** Encodes {@code features} as seen at {@code requestTimeMs} into {@code out}. */
    public void encodeUser(UserFeatures features, long requestTimeMs, UserVector out) {
        List<SequenceEvent> events = features == null ? List.of() : features.getEvents();
        int n = events.size();
        int take = Math.min(n, l);
        int pad = l - take;
        clearSeq(out, pad);
        for (int k = 0; k < take; k++) {
            SequenceEvent e = events.get(n - take + k);
            int p = pad + k;
            out.seqItem[p] = itemId(e.getItemId());
            out.seqCategory[p] = categoryId(e.getCategoryId());
            out.seqAction[p] = actionId(e.getAction());
            out.seqTimeGap[p] = timeGapId(requestTimeMs - e.getEventTime().toEpochMilli());
        }
        out.filled = take;
        java.util.Arrays.fill(out.dense, 0f);
        if (features != null) {
            for (WindowCount c : features.getActionCounts()) {
                int w = windowIndex(c.getWindowMs());
                int a = c.getAction() == null ? -1 : counterSlot[c.getAction().ordinal()];
                if (w >= 0 && a >= 0) {
                    out.dense[w * nCounterActions + a] = counter(c.getCount());
                }
            }
        }
        long latest = n == 0 ? Long.MIN_VALUE : features.getAsOf().toEpochMilli();
        finishDense(out, latest, requestTimeMs, take);
    }

    /** Encodes a live {@link BehaviourSequence} (the training path: no Avro round trip). */
    public void encodeUser(BehaviourSequence seq, long requestTimeMs, UserVector out) {
        int n = seq.size();
        int take = Math.min(n, l);
        int pad = l - take;
        clearSeq(out, pad);
        for (int k = 0; k < take; k++) {
            int i = n - take + k;
            int p = pad + k;
            out.seqItem[p] = itemId(seq.itemId(i));
            out.seqCategory[p] = categoryId(seq.categoryId(i));
            out.seqAction[p] = actionId(seq.action(i));
            out.seqTimeGap[p] = timeGapId(requestTimeMs - seq.eventTimeMs(i));
        }
        out.filled = take;
        java.util.Arrays.fill(out.dense, 0f);
        List<dev.tandem.features.sequence.SequencePolicy.CounterWindow> policyWindows =
                seq.policy().windows();
        if (seq.hasEvents()) {
            for (int pw = 0; pw < policyWindows.size(); pw++) {
                int w = windowIndex(policyWindows.get(pw).windowMs());
                if (w < 0) {
                    continue;
                }
                for (Action a : ACTIONS) {
                    int s = counterSlot[a.ordinal()];
                    if (s >= 0) {
                        out.dense[w * nCounterActions + s] = counter(seq.windowCount(pw, a));
                    }
                }
            }
        }
        finishDense(out, seq.hasEvents() ? seq.latestEventTimeMs() : Long.MIN_VALUE, requestTimeMs, take);
    }

    private void clearSeq(UserVector out, int pad) {
        java.util.Arrays.fill(out.seqItem, 0, pad, 0);
        java.util.Arrays.fill(out.seqCategory, 0, pad, 0);
        java.util.Arrays.fill(out.seqAction, 0, pad, 0);
        java.util.Arrays.fill(out.seqTimeGap, 0, pad, 0);
    }

    private void finishDense(UserVector out, long latestMs, long requestTimeMs, int take) {
        float recency;
        if (latestMs == Long.MIN_VALUE) {
            recency = 1f; // never seen: as stale as the scale
        } else {
            double hours = Math.max(0, requestTimeMs - latestMs) / 3_600_000.0;
            recency = (float) Math.min(1.5, Math.log1p(hours) * recencyNorm);
        }
        out.dense[dense - 2] = recency;
        out.dense[dense - 1] = take / (float) l;
    }

    private int windowIndex(long windowMs) {
        for (int i = 0; i < windows.length; i++) {
            if (windows[i] == windowMs) {
                return i;
            }
        }
        return -1;
    }

    /** log1p(count) / log1p(100): about 1 at 100 events. */
    private float counter(long count) {
        return (float) (Math.log1p(Math.max(0, count)) * counterNorm);
    }

    // ------------------------------------------------------------------ rows

    /** Row {@code row} of {@code batch} := user half of {@code user} + {@code item}. */
    public void writeRow(UserVector user, ItemCode item, EncodedBatch batch, int row) {
        writeUser(user, batch, row);
        batch.candItem[row] = item.item();
        batch.candCategory[row] = item.category();
        batch.candBrand[row] = item.brand();
        batch.candPrice[row] = item.priceBucket();
        batch.fillCandidateHistory(row);
    }

    /** Row {@code row} of {@code batch} := user half of {@code user} + {@code item}, hashing without allocating. */
    public void writeRow(UserVector user, ItemMetadata item, EncodedBatch batch, int row) {
        writeUser(user, batch, row);
        List<String> path = item.getCategoryPath();
        batch.candItem[row] = itemId(item.getItemId());
        batch.candCategory[row] = path == null || path.isEmpty() ? 0 : categoryId(path.get(path.size() - 1));
        batch.candBrand[row] = brandId(item.getBrand());
        batch.candPrice[row] = priceId(item.getPrice());
        batch.fillCandidateHistory(row);
    }

    private void writeUser(UserVector user, EncodedBatch batch, int row) {
        int off = row * l;
        System.arraycopy(user.seqItem, 0, batch.seqItem, off, l);
        System.arraycopy(user.seqCategory, 0, batch.seqCategory, off, l);
        System.arraycopy(user.seqAction, 0, batch.seqAction, off, l);
        System.arraycopy(user.seqTimeGap, 0, batch.seqTimeGap, off, l);
        System.arraycopy(user.dense, 0, batch.userDense, row * dense, dense);
        if (row >= batch.rows()) {
            batch.setRows(row + 1);
        }
    }
}
