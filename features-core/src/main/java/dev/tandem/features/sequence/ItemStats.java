package dev.tandem.features.sequence;

import dev.tandem.schemas.Action;
import dev.tandem.schemas.UserEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One item's views, carts and purchases over the policy's counter windows (same bucketed
 * {@link WindowedCounts} as the user sequence), and smoothed conversion rates
 * {@code (x + α·prior) / (views + α)}. Other actions are ignored. No de-duplication and no grace:
 * an event counts wherever its bucket is still in the window; the state does not depend on the
 * order events arrive in. Not thread-safe.
 */
public final class ItemStats {
    public static final int FORMAT_VERSION = 1;

    static final int VIEW = 0;
    static final int CART = 1;
    static final int PURCHASE = 2;
    static final int CHANNELS = 3;

    private final SequencePolicy policy;
    private final WindowedCounts[] counters;
    private long latestTime = Long.MIN_VALUE;
    private boolean hasEvents;

    public ItemStats(SequencePolicy policy) {
        this.policy = Objects.requireNonNull(policy, "policy");
        counters = new WindowedCounts[policy.windows().size()];
        for (int i = 0; i < counters.length; i++) {
            counters[i] = new WindowedCounts(policy.windows().get(i), CHANNELS);
        }
    }

    /** Whether {@link #record} counts this action (views, carts, purchases); others leave the stats unchanged. */
    public static boolean tracks(Action a) {
        return channel(a) >= 0;
    }

    static int channel(Action a) {
        return switch (a) {
            case VIEW -> VIEW;
            case CART -> CART;
            case PURCHASE -> PURCHASE;
            default -> -1;
        };
    }

    /** Records one event; false if its action is not tracked or it is older than every window. */
    public boolean record(Action action, long eventTimeMs) {
        int ch = channel(Objects.requireNonNull(action, "action"));
        if (ch < 0) {
            return false;
        }
        if (eventTimeMs > BehaviourEvent.MAX_ABS_TIME_MS || eventTimeMs < -BehaviourEvent.MAX_ABS_TIME_MS) {
            throw new IllegalArgumentException("event time " + eventTimeMs + " ms out of range ±2^60");
        }
        hasEvents = true;
        if (eventTimeMs > latestTime) {
            latestTime = eventTimeMs;
        }
        boolean counted = false;
        for (WindowedCounts c : counters) {
            counted |= c.add(eventTimeMs, ch);
        }
        return counted;
    }

    public boolean record(UserEvent e) {
        return record(e.getAction(), e.getEventTime().toEpochMilli());
    }

    /** The latest recorded event time, {@link Long#MIN_VALUE} if none. */
    public long latestEventTimeMs() {
        return latestTime;
    }

    /**
     * The stats of every window as of {@code asOfMs}. Exact at bucket granularity for any time at or
     * after the latest recorded event; for an earlier time, events after it are excluded but buckets
     * that already left the window are missing.
     */
    public List<WindowStats> asOf(long asOfMs) {
        List<WindowStats> out = new ArrayList<>(counters.length);
        for (int i = 0; i < counters.length; i++) {
            out.add(window(i, asOfMs));
        }
        return out;
    }

    public List<WindowStats> asOf(Instant asOf) {
        return asOf(asOf.toEpochMilli());
    }

    /** The stats of window {@code windowIndex} (policy order) as of {@code asOfMs}. */
    public WindowStats window(int windowIndex, long asOfMs) {
        WindowedCounts c = counters[windowIndex];
        long views = c.count(VIEW, asOfMs);
        long carts = c.count(CART, asOfMs);
        long purchases = c.count(PURCHASE, asOfMs);
        SequencePolicy.Smoothing s = policy.itemSmoothing();
        return new WindowStats(
                c.windowMs,
                views,
                carts,
                purchases,
                s.smooth(carts, views, s.cartRatePrior()),
                s.smooth(purchases, views, s.purchaseRatePrior()));
    }

    /**
     * One window's counts and smoothed rates. Rates are not clamped: an item carted more often than
     * viewed (logs with unlogged views) can exceed 1.
     */
    public record WindowStats(
            long windowMs, long views, long carts, long purchases, double cartRate, double purchaseRate) {}

    /**
     * {@code u8 format version = 1, u8 has_events, [zigzag latest_ms, varint n_counters, counters as in
     * BehaviourSequence with 3 channels: view, cart, purchase]}.
     */
    public byte[] encode() {
        Codec.Writer w = new Codec.Writer(32);
        w.u8(FORMAT_VERSION);
        w.u8(hasEvents ? 1 : 0);
        if (hasEvents) {
            w.zigzag(latestTime);
            WindowedCounts.encodeAll(w, counters);
        }
        return w.toByteArray();
    }

    /** @throws IllegalArgumentException on an unknown format version, truncated or corrupt bytes */
    public static ItemStats decode(byte[] bytes, SequencePolicy policy) {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length == 0) {
            throw new IllegalArgumentException("empty ItemStats bytes: expected format version " + FORMAT_VERSION);
        }
        int format = bytes[0] & 0xFF;
        if (format != FORMAT_VERSION) {
            throw new IllegalArgumentException(
                    "unknown ItemStats format version " + format + " (this code reads " + FORMAT_VERSION + ")");
        }
        Codec.Reader r = new Codec.Reader(bytes, "ItemStats");
        r.u8();
        ItemStats s = new ItemStats(policy);
        int flag = r.u8();
        if (flag > 1) {
            throw r.corrupt("has_events flag " + flag);
        }
        if (flag == 1) {
            s.hasEvents = true;
            s.latestTime = r.zigzag();
            WindowedCounts.decodeAll(r, s.counters, s.latestTime);
        }
        r.expectEnd();
        return s;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ItemStats s)) {
            return false;
        }
        if (!policy.equals(s.policy) || hasEvents != s.hasEvents || latestTime != s.latestTime) {
            return false;
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
        return Long.hashCode(latestTime);
    }

    @Override
    public String toString() {
        return "ItemStats[latest=" + (hasEvents ? Instant.ofEpochMilli(latestTime) : "none") + ", "
                + asOf(hasEvents ? latestTime : 0) + "]";
    }
}
