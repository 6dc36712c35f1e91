package dev.tandem.model.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BaselinesTest {
    static final int BITS = 20;

    /** The number of distinct slots n uniformly hashed keys are expected to fill in a table of m. */
    static double uniformDistinct(int n, double m) {
        return m * (1 - Math.pow(1 - 1 / m, n));
    }

    @Test
    void hashedFeaturesSpreadOverTheWholeTableNotAFewThousandSlots() {
        Random rng = new Random(7);
        Set<Integer> ids = new HashSet<>();
        while (ids.size() < 100_000) {
            ids.add(rng.nextInt());
        }
        Set<Integer> slots = new HashSet<>();
        for (int id : ids) {
            int s = Baselines.slot(1, id, BITS);
            assertThat(s).isBetween(Baselines.FIXED_SLOTS, (1 << BITS) - 1);
            slots.add(s);
        }
        double expected = uniformDistinct(ids.size(), (1 << BITS) - Baselines.FIXED_SLOTS); // about 95,400
        assertThat(slots.size()).as("distinct slots of 100,000 random ids").isGreaterThan(90_000)
                .isGreaterThan((int) (0.99 * expected));
    }

    @Test
    void smallConsecutiveIdsOfSeveralFieldsDoNotShareSlots() {
        // hashed buckets are small consecutive ints: 8 fields × 4,096 ids in 2^20 slots
        Set<Integer> slots = new HashSet<>();
        int n = 0;
        for (int field = 1; field <= 8; field++) {
            for (int id = 0; id < 4_096; id++) {
                slots.add(Baselines.slot(field, id, BITS));
                n++;
            }
        }
        assertThat(slots.size()).isGreaterThan((int) (0.99 * uniformDistinct(n, (1 << BITS) - Baselines.FIXED_SLOTS)));
    }
}
