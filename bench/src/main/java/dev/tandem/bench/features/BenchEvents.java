package dev.tandem.bench.features;

import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.schemas.Action;
import java.util.Random;

/**
 * The per-user event workload both {@code SequenceUpdater} benchmarks replay (the JMH one and
 * {@link ApplyThroughput}): mostly in-order events with up to 30 s of jitter (never late), 1-in-8
 * non-numeric item ids, 20 categories. Built once from a fixed seed; {@link #next()} never repeats an
 * event id, so no event is ever a duplicate. Not thread-safe.
 */
public final class BenchEvents {
    private static final int POOL = 1 << 16; // far more than the 256 remembered ids
    private static final int MASK = POOL - 1;

    private final String[] eventIds = new String[POOL];
    private final String[] itemIds = new String[POOL];
    private final String[] categoryIds = new String[POOL];
    private final Action[] actions = new Action[POOL];
    private final long[] jitter = new long[POOL];
    private long counter;

    public BenchEvents() {
        Random r = new Random(42);
        Action[] mix = {
            Action.VIEW,
            Action.VIEW,
            Action.VIEW,
            Action.VIEW,
            Action.CLICK,
            Action.CART,
            Action.FAVORITE,
            Action.PURCHASE
        };
        for (int i = 0; i < POOL; i++) {
            eventIds[i] = "0b9f1c2e-" + Long.toHexString(r.nextLong());
            itemIds[i] = r.nextInt(8) == 0 ? "sku-" + r.nextInt(100_000) : Integer.toString(r.nextInt(5_000_000));
            categoryIds[i] = Integer.toString(1000 + r.nextInt(20));
            actions[i] = mix[r.nextInt(mix.length)];
            jitter[i] = -r.nextInt(30_000);
        }
    }

    public BehaviourEvent next() {
        long c = counter++;
        int i = (int) (c & MASK);
        return new BehaviourEvent(
                eventIds[i] + c, itemIds[i], categoryIds[i], actions[i], 1_700_000_000_000L + c * 5_000 + jitter[i]);
    }
}
