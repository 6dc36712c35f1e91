package dev.tandem.datasets.generator;

import dev.tandem.schemas.Action;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * Emits events in event-time order from a fixed number of concurrent shopping sessions.
 *
 * <p>A session belongs to one user and is a run of views; each view may be followed by a
 * favourite, a cart and, after a cart, a purchase. Whether that happens is drawn from
 * {@link FunnelModel}, whose probabilities depend on user-category affinity, price relative to
 * the category, item quality and whether the item was viewed moments ago: the signal a model
 * should learn. A user never has two sessions at once, so a user's events read like one person
 * shopping.
 *
 * <p>Not thread-safe; one random source drawn in a fixed order makes the stream a pure
 * function of the configuration.
 */
public final class EventGenerator implements Iterator<GeneratedEvent> {
    private static final int MAX_CONCURRENT_SESSIONS = 64;
    private static final double MEAN_VIEWS_PER_SESSION = 8.0;
    private static final double MEAN_SESSION_GAP_MS = 10 * 60_000.0;
    private static final double MAX_DWELL_MS = 30 * 60_000.0;
    private static final int RECENT = 8;

    private final Catalog catalog;
    private final Population population;
    private final FunnelModel funnel;
    private final SplittableRandom rnd;
    private final long limit;
    private final String idPrefix;
    private final boolean[] busy;
    private final PriorityQueue<Session> queue;
    private long emitted;
    private long sessions;

    EventGenerator(GeneratorConfig config, Catalog catalog, Population population) {
        this.catalog = catalog;
        this.population = population;
        this.funnel = new FunnelModel();
        this.rnd = new SplittableRandom(config.seed());
        this.limit = config.events();
        this.idPrefix = "gen-" + config.seed() + "-";
        this.busy = new boolean[population.users()];
        int slots = Math.max(1, Math.min(MAX_CONCURRENT_SESSIONS, population.users() / 2));
        this.queue = new PriorityQueue<>(
                slots,
                (a, b) -> a.nextTime != b.nextTime
                        ? Long.compare(a.nextTime, b.nextTime)
                        : Integer.compare(a.slot, b.slot));
        long t0 = config.start().toEpochMilli();
        for (int s = 0; s < slots; s++) {
            Session session = new Session(s);
            startSession(session, t0 + (long) Distributions.exponential(rnd, MEAN_SESSION_GAP_MS / 4));
            queue.add(session);
        }
    }

    @Override
    public boolean hasNext() {
        return emitted < limit;
    }

    @Override
    public GeneratedEvent next() {
        if (!hasNext()) throw new NoSuchElementException();
        Session s = queue.poll();
        GeneratedEvent e = s.pendingIndex < s.pendingCount ? emitPending(s) : emitView(s);
        scheduleNext(s, e.eventTimeMillis());
        queue.add(s);
        emitted++;
        return e;
    }

    private void startSession(Session s, long at) {
        int user = population.sampleActiveUser(rnd);
        for (int tries = 0; busy[user] && tries < 32; tries++) user = population.sampleActiveUser(rnd);
        while (busy[user]) user = (user + 1) % busy.length;
        busy[user] = true;
        s.user = user;
        s.id = "s" + (++sessions);
        s.viewsLeft = Distributions.geometric(rnd, MEAN_VIEWS_PER_SESSION);
        s.focus = rnd.nextDouble() < 0.85 ? population.sampleFavourite(user, rnd) : rnd.nextInt(catalog.categories());
        s.recentCount = 0;
        s.pendingCount = 0;
        s.pendingIndex = 0;
        s.nextTime = at;
    }

    private GeneratedEvent emitView(Session s) {
        int item = chooseItem(s);
        int category = catalog.categoryOf(item);
        int stepsAgo = s.stepsSinceViewed(item);
        s.remember(item);
        s.viewsLeft--;

        double affinity = population.affinity(s.user, category);
        double relPrice = Math.log(catalog.price(item) / catalog.categoryMedianPrice(category));
        double sensitivity = population.priceSensitivity(s.user);
        double quality = catalog.quality(item);
        double recency = FunnelModel.recency(stepsAgo);
        double pCart = funnel.pCart(affinity, relPrice, sensitivity, quality, recency);
        double pBuyGivenCart = funnel.pPurchaseGivenCart(affinity, relPrice, sensitivity, quality, recency);
        double pFavourite = funnel.pFavourite(affinity);

        long t = s.nextTime;
        s.item = item;
        s.pendingCount = 0;
        s.pendingIndex = 0;
        // Draw all three outcomes every time, so the random stream does not depend on earlier outcomes' branches.
        double uFav = rnd.nextDouble();
        double uCart = rnd.nextDouble();
        double uBuy = rnd.nextDouble();
        if (uFav < pFavourite) s.addPending(Action.FAVORITE, t + (long) Distributions.logNormal(rnd, 5_000, 0.5));
        if (uCart < pCart) {
            long cartAt = t + 1 + (long) Distributions.logNormal(rnd, 15_000, 0.7);
            s.addPending(Action.CART, cartAt);
            if (uBuy < pBuyGivenCart)
                s.addPending(Action.PURCHASE, cartAt + 1 + (long) Distributions.logNormal(rnd, 45_000, 0.8));
        }
        s.sortPending();
        return event(s, item, Action.VIEW, t, pCart, pCart * pBuyGivenCart);
    }

    private GeneratedEvent emitPending(Session s) {
        int i = s.pendingIndex++;
        return event(s, s.item, s.pendingAction[i], s.pendingTime[i], Double.NaN, Double.NaN);
    }

    private GeneratedEvent event(Session s, int item, Action action, long time, double pCart, double pPurchase) {
        int category = catalog.categoryOf(item);
        return new GeneratedEvent(
                emitted,
                idPrefix,
                population.userId(s.user),
                catalog.itemId(item),
                catalog.categoryId(category),
                action,
                time,
                catalog.price(item),
                catalog.brand(item),
                s.id,
                pCart,
                pPurchase);
    }

    private int chooseItem(Session s) {
        if (s.recentCount > 0 && rnd.nextDouble() < 0.15) {
            return s.recent[rnd.nextInt(Math.min(s.recentCount, RECENT))];
        }
        double r = rnd.nextDouble();
        int category;
        if (r < 0.70) category = s.focus;
        else if (r < 0.88) category = population.sampleFavourite(s.user, rnd);
        else category = rnd.nextInt(catalog.categories());
        return catalog.sampleItem(category, rnd);
    }

    private void scheduleNext(Session s, long lastTime) {
        if (s.pendingIndex < s.pendingCount) {
            s.nextTime = s.pendingTime[s.pendingIndex];
        } else if (s.viewsLeft > 0) {
            s.nextTime = lastTime + 1 + (long) Math.min(MAX_DWELL_MS, Distributions.logNormal(rnd, 20_000, 0.9));
        } else {
            busy[s.user] = false;
            startSession(s, lastTime + 1 + (long) Distributions.exponential(rnd, MEAN_SESSION_GAP_MS));
        }
    }

    private static final class Session {
        final int slot;
        int user;
        String id;
        int viewsLeft;
        int focus;
        long nextTime;
        int item;
        final int[] recent = new int[RECENT];
        int recentCount;
        final Action[] pendingAction = new Action[3];
        final long[] pendingTime = new long[3];
        int pendingCount;
        int pendingIndex;

        Session(int slot) {
            this.slot = slot;
        }

        /** 1 if the item was the previous view, 2 the one before, ...; 0 if not among the recent views. */
        int stepsSinceViewed(int it) {
            int n = Math.min(recentCount, RECENT);
            for (int k = 1; k <= n; k++) {
                if (recent[(recentCount - k) % RECENT] == it) return k;
            }
            return 0;
        }

        void remember(int it) {
            recent[recentCount % RECENT] = it;
            recentCount++;
        }

        void addPending(Action a, long t) {
            pendingAction[pendingCount] = a;
            pendingTime[pendingCount] = t;
            pendingCount++;
        }

        void sortPending() {
            for (int i = 1; i < pendingCount; i++) {
                for (int j = i; j > 0 && pendingTime[j] < pendingTime[j - 1]; j--) {
                    long t = pendingTime[j];
                    pendingTime[j] = pendingTime[j - 1];
                    pendingTime[j - 1] = t;
                    Action a = pendingAction[j];
                    pendingAction[j] = pendingAction[j - 1];
                    pendingAction[j - 1] = a;
                }
            }
        }
    }
}
