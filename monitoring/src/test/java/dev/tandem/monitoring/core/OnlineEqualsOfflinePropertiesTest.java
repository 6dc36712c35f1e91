package dev.tandem.monitoring.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.features.funnel.Funnel;
import dev.tandem.features.funnel.FunnelLabels;
import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.schemas.Action;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The grader, fed a log the way the app is (events up to the grace out of order, each exposure's prediction up to
 * the maximum delay after it, one clock for several users, a drain at the end), labels every exposure exactly as
 * offline evaluation labels it from the whole log: the same reached stages, and the same known/unknown mask per
 * stage (censored at the end of the log where the horizon does not fit).
 */
class OnlineEqualsOfflinePropertiesTest {
    static final Action[] ACTIONS = {Action.VIEW, Action.VIEW, Action.CART, Action.PURCHASE, Action.CLICK};
    static final List<String> STAGES = List.of("CART", "PURCHASE");

    record Arrival(long at, long time, BehaviourEvent event, String user, boolean prediction) {}

    @Property(tries = 200)
    void everyExposureGetsItsOfflineLabelAndMask(
            @ForAll long seed,
            @ForAll @IntRange(min = 1, max = 60) int n,
            @ForAll @IntRange(min = 1, max = 20) int horizon,
            @ForAll @IntRange(min = 0, max = 6) int grace,
            @ForAll @IntRange(min = 0, max = 40) int maxDelay) {
        Random rnd = new Random(seed);
        Funnel funnel = new Funnel(Funnel.defaults().stages(), Duration.ofMillis(horizon));
        FunnelLabels<BehaviourEvent> rules = FunnelLabels.of(funnel);
        OutcomeGrader grader = new OutcomeGrader(funnel, Duration.ofMillis(grace), Duration.ofMillis(maxDelay));

        Map<String, List<BehaviourEvent>> byUser = new HashMap<>();
        List<Arrival> arrivals = new ArrayList<>();
        long end = Long.MIN_VALUE;
        for (int i = 0; i < n; i++) {
            String user = "u" + rnd.nextInt(3);
            long t = rnd.nextInt(50);
            BehaviourEvent e =
                    new BehaviourEvent("e" + i, "i" + rnd.nextInt(3), "c", ACTIONS[rnd.nextInt(ACTIONS.length)], t);
            byUser.computeIfAbsent(user, u -> new ArrayList<>()).add(e);
            end = Math.max(end, t);
            arrivals.add(new Arrival(t + rnd.nextInt(grace + 1), t, e, user, false));
            if (rnd.nextInt(8) == 0) arrivals.add(new Arrival(t + rnd.nextInt(grace + 1), t, e, user, false)); // a copy
            if (e.action() == Action.VIEW) {
                arrivals.add(new Arrival(t + rnd.nextInt(maxDelay + 1), t, e, user, true));
            }
        }
        // an event that arrives exactly when another's time is reached goes first when it is older
        arrivals.sort(Comparator.comparingLong(Arrival::at).thenComparingLong(Arrival::time));

        Map<String, UserOutcomes> states = new HashMap<>();
        Map<String, Outcome> online = new HashMap<>();
        long clock = OutcomeGrader.NO_CLOCK;
        for (Arrival a : arrivals) {
            UserOutcomes s = states.computeIfAbsent(a.user(), u -> new UserOutcomes());
            if (a.prediction()) {
                PendingPrediction p = new PendingPrediction(
                        a.event().eventId(),
                        a.time(),
                        "m",
                        "v",
                        STAGES,
                        List.of(new PendingPrediction.Candidate(a.event().itemId(), new float[] {0.5f, 0.5f})));
                grader.addPrediction(s, p, clock)
                        .forEach(o -> online.put(o.prediction().requestId(), o));
                continue;
            }
            grader.addConversion(s, a.event(), clock);
            if (a.time() > clock) {
                clock = a.time();
                for (UserOutcomes x : states.values()) {
                    grader.gradeDue(x, clock)
                            .forEach(o -> online.put(o.prediction().requestId(), o));
                    grader.purge(x, clock);
                }
            }
        }
        for (UserOutcomes x : states.values()) {
            grader.drain(x, end).forEach(o -> online.put(o.prediction().requestId(), o));
        }

        float[] labels = new float[2];
        float[] mask = new float[2];
        for (List<BehaviourEvent> events : byUser.values()) {
            List<BehaviourEvent> timeline = rules.timeline(events);
            for (int i = 0; i < timeline.size(); i++) {
                BehaviourEvent e = timeline.get(i);
                if (e.action() != Action.VIEW) continue;
                rules.label(rules.reachedStage(timeline, i), rules.censored(e.eventTimeMs(), end), labels, mask, 0);
                Outcome o = online.get(e.eventId());
                assertThat(o).as("exposure %s", e).isNotNull();
                for (int k = 0; k < 2; k++) {
                    boolean known = FunnelLabels.known(o.reached()[k], o.censored());
                    assertThat(known)
                            .as("mask of %s at %s in %s", STAGES.get(k), e, timeline)
                            .isEqualTo(mask[k] > 0);
                    if (known) {
                        assertThat(o.reached()[k])
                                .as("label of %s at %s in %s", STAGES.get(k), e, timeline)
                                .isEqualTo(labels[k] > 0);
                    }
                }
            }
        }
    }
}
