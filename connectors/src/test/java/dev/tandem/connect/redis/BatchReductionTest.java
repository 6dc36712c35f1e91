package dev.tandem.connect.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.connect.redis.BatchReduction.UserWrite;
import dev.tandem.connect.serving.Freshness;
import dev.tandem.connect.serving.Recommendation;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BatchReductionTest {
    private static Recommendation rec(String user, long time, String id) {
        return new Recommendation(user, id, time, "m", "v", null, time, List.of("CART"), "probability:CART", List.of());
    }

    @Test
    void keepsTheNewestPerUserInFirstSeenOrder() {
        BatchReduction<Integer> b = new BatchReduction<>();
        b.prediction(rec("u", 5, "r-1"), 0);
        b.prediction(rec("v", 1, "x"), 1);
        b.prediction(rec("u", 7, "r-0"), 2);
        b.prediction(rec("u", 7, "r-0"), 3); // the same prediction again: the first copy stays
        b.prediction(rec("u", 6, "r-9"), 4);
        b.prediction(rec("v", 1, "y"), 5);

        assertThat(b.writes())
                .containsExactly(
                        new UserWrite<>("u", false, rec("u", 7, "r-0"), 2),
                        new UserWrite<>("v", false, rec("v", 1, "y"), 5));
        assertThat(b.predictions()).isEqualTo(6);
    }

    @Test
    void aTombstoneForgetsWhatCameBeforeItAndKeepsWhatCameAfter() {
        BatchReduction<String> b = new BatchReduction<>();
        b.prediction(rec("u", 9, "new"), "a");
        b.tombstone("u");
        b.prediction(rec("u", 1, "old"), "b");
        b.prediction(rec("w", 1, "w"), "c");
        b.tombstone("w");
        b.tombstone("t");

        assertThat(b.writes())
                .containsExactly(
                        new UserWrite<>("u", true, rec("u", 1, "old"), "b"),
                        new UserWrite<>("w", true, null, null),
                        new UserWrite<>("t", true, null, null));
    }

    /** Against a brute-force reading of the rule, over many random batches. */
    @Test
    void agreesWithTheRuleOnRandomBatches() {
        Random random = new Random(42);
        for (int trial = 0; trial < 2_000; trial++) {
            List<Object[]> events = new ArrayList<>(); // {user, null} = tombstone, {user, rec} = prediction
            BatchReduction<Integer> b = new BatchReduction<>();
            int n = random.nextInt(12);
            for (int i = 0; i < n; i++) {
                String user = "u" + random.nextInt(3);
                if (random.nextInt(5) == 0) {
                    events.add(new Object[] {user, null});
                    b.tombstone(user);
                } else {
                    Recommendation r = rec(user, random.nextInt(3), "r" + random.nextInt(3));
                    events.add(new Object[] {user, r});
                    b.prediction(r, i);
                }
            }
            List<UserWrite<Integer>> expected = new ArrayList<>();
            LinkedHashSet<String> users = new LinkedHashSet<>();
            events.forEach(e -> users.add((String) e[0]));
            for (String user : users) {
                boolean delete = false;
                Recommendation best = null;
                Integer source = null;
                for (int i = 0; i < events.size(); i++) {
                    if (!events.get(i)[0].equals(user)) continue;
                    Recommendation r = (Recommendation) events.get(i)[1];
                    if (r == null) {
                        delete = true;
                        best = null;
                        source = null;
                    } else if (best == null
                            || Freshness.compare(r.requestTime(), r.requestId(), best.requestTime(), best.requestId())
                                    > 0) {
                        best = r;
                        source = i;
                    }
                }
                expected.add(new UserWrite<>(user, delete, best, source));
            }
            assertThat(b.writes()).as("trial %d: %s", trial, events).isEqualTo(expected);
        }
    }
}
