package dev.tandem.connect.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.connect.serving.Recommendation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Reducing a batch per user must not change what the store ends up holding. */
class BatchPlanTest {
    private static Recommendation rec(String user, String id, long time) {
        return new Recommendation(
                user, id, time, "m", "v", null, time, List.of("PURCHASE"), "probability:PURCHASE", List.of());
    }

    /** An operation of a batch: a prediction, or a tombstone when {@code rec} is null. */
    private record Op(String user, Recommendation rec) {}

    /** The store applying each record on its own, in order: the meaning the plan must keep. */
    private static void applyOneByOne(Map<String, Recommendation> store, List<Op> ops) {
        for (Op op : ops) {
            if (op.rec() == null) store.remove(op.user());
            else if (op.rec().replaces(store.get(op.user()))) store.put(op.user(), op.rec());
        }
    }

    /** The store applying the plan as the task does: deletes, then newest-wins upserts. */
    private static void applyPlan(Map<String, Recommendation> store, BatchPlan plan) {
        plan.deletes().forEach(store::remove);
        for (BatchPlan.Row row : plan.upserts()) {
            Recommendation r = row.recommendation();
            if (r.replaces(store.get(r.userId()))) store.put(r.userId(), r);
        }
    }

    @Test
    void aReducedBatchLeavesTheStoreAsRecordByRecordWould() {
        for (int seed = 0; seed < 500; seed++) {
            Random random = new Random(seed);
            Map<String, Recommendation> before = new HashMap<>();
            for (int u = 0; u < 4; u++) {
                if (random.nextBoolean()) before.put("u" + u, rec("u" + u, "s" + random.nextInt(5), random.nextInt(5)));
            }
            List<Op> ops = new ArrayList<>();
            BatchPlan plan = new BatchPlan();
            for (int i = random.nextInt(12); i > 0; i--) {
                String user = "u" + random.nextInt(4);
                if (random.nextInt(5) == 0) {
                    ops.add(new Op(user, null));
                    plan.tombstone(user);
                } else {
                    Recommendation r = rec(user, "r" + random.nextInt(5), random.nextInt(5));
                    ops.add(new Op(user, r));
                    plan.prediction(r, "{}");
                }
            }
            Map<String, Recommendation> expected = new HashMap<>(before), actual = new HashMap<>(before);
            applyOneByOne(expected, ops);
            applyPlan(actual, plan);
            assertThat(actual).as("seed %d, ops %s", seed, ops).isEqualTo(expected);

            List<String> users = plan.upserts().stream()
                    .map(r -> r.recommendation().userId())
                    .toList();
            assertThat(users)
                    .as("one row per user, in lock order")
                    .doesNotHaveDuplicates()
                    .isSorted();
            assertThat(plan.log())
                    .hasSize((int) ops.stream().filter(o -> o.rec() != null).count());
        }
    }

    @Test
    void supersededCountsPredictionsThatAnotherOfTheBatchOutranks() {
        BatchPlan plan = new BatchPlan();
        plan.prediction(rec("u", "a", 1), "{}");
        plan.prediction(rec("u", "b", 2), "{}");
        plan.prediction(rec("u", "b", 2), "{}");
        plan.prediction(rec("v", "c", 1), "{}");
        assertThat(plan.superseded()).isEqualTo(2);
        assertThat(plan.upserts())
                .extracting(r -> r.recommendation().requestId())
                .containsExactly("b", "c");
        assertThat(plan.deletes()).isEmpty();
    }
}
