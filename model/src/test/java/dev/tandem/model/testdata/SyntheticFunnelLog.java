package dev.tandem.model.testdata;

import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.model.data.LoggedEvent;
import dev.tandem.schemas.Action;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A small seeded simulator with known funnel probabilities (test-only; the platform's generator
 * stays in platform). Users prefer two of C categories and view them more often; an item has a
 * category, a brand, a price and a hidden quality. For a view of item i by user u:
 * <pre>
 * P(cart | view)     = σ(−2.6 + 1.8·[cat(i) ∈ prefs(u)] + quality(i) + 0.8·[u carted in cat(i) before])
 * P(purchase | cart) = σ(−0.6 + 0.8·[cat(i) ∈ prefs(u)] − 0.5·[price(i) &gt; 100])
 * </pre>
 * so the signal is in the sequence (preferred categories, earlier carts) and in the item's metadata.
 * {@link #truth} holds the true P(reach CART) and P(reach PURCHASE) per view, keyed by
 * {@link #key(String, String, long)} (the ceiling).
 */
public final class SyntheticFunnelLog {
    public static final long T0 = 1_700_000_000_000L;
    static final long MIN = 60_000L;

    public final List<LoggedEvent> events = new ArrayList<>();
    public final Map<String, float[]> truth = new HashMap<>();
    public final int items;

    public SyntheticFunnelLog(long seed, int users, int viewsPerUser, int items, int categories) {
        this.items = items;
        Random r = new Random(seed);
        int[] cat = new int[items];
        int[] brand = new int[items];
        double[] price = new double[items];
        double[] quality = new double[items];
        List<List<Integer>> byCat = new ArrayList<>();
        for (int c = 0; c < categories; c++) {
            byCat.add(new ArrayList<>());
        }
        for (int i = 0; i < items; i++) {
            cat[i] = r.nextInt(categories);
            brand[i] = r.nextInt(30);
            price[i] = Math.exp(1 + r.nextDouble() * 5);
            quality[i] = r.nextGaussian() * 0.6;
            byCat.get(cat[i]).add(i);
        }
        int id = 0;
        for (int u = 0; u < users; u++) {
            String user = "u" + u;
            int p1 = r.nextInt(categories);
            int p2 = (p1 + 1 + r.nextInt(categories - 1)) % categories;
            boolean[] carted = new boolean[categories];
            long t = T0 + (long) (r.nextDouble() * 2 * 24 * 60) * MIN;
            for (int v = 0; v < viewsPerUser; v++) {
                int item;
                if (r.nextDouble() < 0.6) {
                    List<Integer> pool = byCat.get(r.nextBoolean() ? p1 : p2);
                    item = pool.isEmpty() ? r.nextInt(items) : pool.get(r.nextInt(pool.size()));
                } else {
                    item = r.nextInt(items);
                }
                int c = cat[item];
                boolean pref = c == p1 || c == p2;
                double pCart = sigmoid(-2.6 + (pref ? 1.8 : 0) + quality[item] + (carted[c] ? 0.8 : 0));
                double pBuy = sigmoid(-0.6 + (pref ? 0.8 : 0) - (price[item] > 100 ? 0.5 : 0));
                String viewId = "v" + (id++);
                add(user, viewId, item, cat, brand, price, Action.VIEW, t);
                truth.put(key(user, "item" + item, t), new float[] {(float) pCart, (float) (pCart * pBuy)});
                if (r.nextDouble() < pCart) {
                    long tc = t + (1 + r.nextInt(20)) * MIN;
                    add(user, "c" + (id++), item, cat, brand, price, Action.CART, tc);
                    carted[c] = true;
                    if (r.nextDouble() < pBuy) {
                        add(user, "p" + (id++), item, cat, brand, price, Action.PURCHASE, tc + (1 + r.nextInt(60)) * MIN);
                    }
                }
                // next view: minutes later within a session, hours later between sessions
                t += r.nextDouble() < 0.15 ? (3 + r.nextInt(20)) * 60 * MIN : (1 + r.nextInt(10)) * MIN;
            }
        }
    }

    private void add(String user, String eventId, int item, int[] cat, int[] brand, double[] price, Action a, long t) {
        events.add(new LoggedEvent(user, new BehaviourEvent(eventId, "item" + item, "cat" + cat[item], a, t), "brand" + brand[item], price[item]));
    }

    public static String key(String user, String item, long timeMs) {
        return user + "|" + item + "|" + timeMs;
    }

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }
}
