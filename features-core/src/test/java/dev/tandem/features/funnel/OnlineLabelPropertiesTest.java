package dev.tandem.features.funnel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.schemas.Action;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Online grading labels a prediction with {@link FunnelLabels#reachedStage(long, String, Iterable)} over the user's
 * events in arrival order; offline training labels an exposure with {@link FunnelLabels#reachedStage(List, int)} over
 * its timeline. For every logged exposure the two must agree, whatever the arrival order.
 */
class OnlineLabelPropertiesTest {
    static final Action[] ACTIONS = {Action.VIEW, Action.CART, Action.PURCHASE, Action.CLICK, Action.FAVORITE};

    @Property(tries = 300)
    void aPredictionAtAnExposureGetsTheExposuresOfflineLabel(
            @ForAll long seed, @ForAll @IntRange(min = 1, max = 40) int n, @ForAll @IntRange(min = 1, max = 5) int h) {
        Random rnd = new Random(seed);
        FunnelLabels<BehaviourEvent> rules =
                FunnelLabels.of(new Funnel(Funnel.defaults().stages(), Duration.ofMillis(h)));
        List<BehaviourEvent> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // few items, few distinct times: ties of time, of item and of both are common, as are repeated ids
            events.add(new BehaviourEvent(
                    "e" + rnd.nextInt(n + 3),
                    "i" + rnd.nextInt(3),
                    "c",
                    ACTIONS[rnd.nextInt(ACTIONS.length)],
                    rnd.nextInt(12)));
        }
        List<BehaviourEvent> timeline = rules.timeline(events);
        List<BehaviourEvent> arrival = new ArrayList<>(timeline);
        Collections.shuffle(arrival, rnd);
        for (int i = 0; i < timeline.size(); i++) {
            BehaviourEvent e = timeline.get(i);
            if (e.action() != Action.VIEW) continue;
            assertThat(rules.reachedStage(e.eventTimeMs(), e.itemId(), arrival))
                    .as("exposure %s in %s", e, timeline)
                    .isEqualTo(rules.reachedStage(timeline, i));
        }
    }
}
