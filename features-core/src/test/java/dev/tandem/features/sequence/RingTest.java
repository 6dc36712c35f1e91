package dev.tandem.features.sequence;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RingTest {

    /** Insertions anywhere and drops of the oldest, across every head position, against a plain list. */
    @Test
    void openAtKeepsTheLogicalOrderOfEveryColumn() {
        Random random = new Random(11);
        for (int cap = 1; cap <= 9; cap++) {
            long[] numbers = new long[cap];
            String[] names = new String[cap];
            Ring ring = new Ring(cap, numbers, names);
            List<Long> model = new ArrayList<>();
            for (int step = 0; step < 5_000; step++) {
                if (ring.size == cap || (ring.size > 0 && random.nextInt(4) == 0)) {
                    ring.dropOldest();
                    model.remove(0);
                    continue;
                }
                int p = random.nextInt(ring.size + 1);
                long v = step;
                int q = ring.openAt(p);
                numbers[q] = v;
                names[q] = "n" + v;
                model.add(p, v);
                assertThat(ring.size).isEqualTo(model.size());
                for (int i = 0; i < model.size(); i++) {
                    int slot = ring.slot(i);
                    assertThat(numbers[slot])
                            .as("cap %d step %d position %d", cap, step, i)
                            .isEqualTo(model.get(i));
                    assertThat(names[slot]).isEqualTo("n" + model.get(i));
                }
            }
        }
    }
}
