package dev.tandem.monitoring.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.features.funnel.Funnel;
import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.schemas.Action;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutcomeGraderTest {
    static final long T0 = 1_700_000_000_000L;
    static final long MIN = 60_000;
    static final Funnel FUNNEL = new Funnel(Funnel.defaults().stages(), Duration.ofMinutes(30));
    final OutcomeGrader grader = new OutcomeGrader(FUNNEL, Duration.ofMinutes(5), Duration.ofMinutes(60));

    static PendingPrediction prediction(String id, long t, String... items) {
        return new PendingPrediction(
                id,
                t,
                "m",
                "v1",
                List.of("CART", "PURCHASE"),
                java.util.Arrays.stream(items)
                        .map(i -> new PendingPrediction.Candidate(i, new float[] {0.2f, 0.05f}))
                        .toList());
    }

    static BehaviourEvent ev(String item, Action a, long t) {
        return new BehaviourEvent("e" + t + item + a, item, "c", a, t);
    }

    @Test
    void aCandidateReachesTheFurthestStageOfItsItemWithinTheHorizon() {
        UserOutcomes s = new UserOutcomes();
        assertThat(grader.addPrediction(s, prediction("r1", T0, "i1", "i2", "i3"), T0))
                .isEmpty();
        assertThat(grader.addConversion(s, ev("i1", Action.PURCHASE, T0 + 10 * MIN), T0 + 10 * MIN))
                .isTrue();
        assertThat(grader.addConversion(s, ev("i2", Action.CART, T0), T0 + 10 * MIN))
                .as("at the request time itself")
                .isTrue();
        assertThat(grader.addConversion(s, ev("i3", Action.CART, T0 + 30 * MIN + 1), T0 + 30 * MIN + 1))
                .isTrue();
        assertThat(grader.gradeDue(s, T0 + 35 * MIN))
                .as("an event at the horizon could still come without being late")
                .isEmpty();

        List<Outcome> out = grader.gradeDue(s, T0 + 35 * MIN + 1);
        assertThat(out).hasSize(3).allSatisfy(o -> assertThat(o.censored()).isFalse());
        assertThat(out.get(0).reached()).containsExactly(true, true); // a purchase reaches the cart stage too
        assertThat(out.get(1).reached()).containsExactly(true, false);
        assertThat(out.get(2).reached()).as("1 ms past the horizon").containsExactly(false, false);
        assertThat(s.pending()).isEmpty();
    }

    @Test
    void anEventArrivingWithinTheGraceStillCounts() {
        UserOutcomes s = new UserOutcomes();
        grader.addPrediction(s, prediction("r1", T0, "i1"), T0);
        long clock = T0 + 33 * MIN; // horizon passed, grace not yet
        assertThat(grader.gradeDue(s, clock)).isEmpty();
        assertThat(grader.late(T0 + 20 * MIN, clock))
                .as("13 min behind a 5 min grace")
                .isTrue();
        grader.addConversion(s, ev("i1", Action.CART, T0 + 29 * MIN), clock);
        assertThat(grader.gradeDue(s, T0 + 35 * MIN + 1))
                .singleElement()
                .satisfies(o -> assertThat(o.reached()).containsExactly(true, false));
    }

    @Test
    void aPredictionReadAfterItsHorizonIsGradedAtOnceFromTheKeptConversions() {
        UserOutcomes s = new UserOutcomes();
        grader.addConversion(s, ev("i1", Action.CART, T0 + MIN), T0 + MIN);
        long clock = T0 + 50 * MIN;
        assertThat(grader.addPrediction(s, prediction("r1", T0, "i1"), clock))
                .singleElement()
                .satisfies(o -> {
                    assertThat(o.reached()).containsExactly(true, false);
                    assertThat(o.censored()).isFalse();
                    assertThat(o.gradedAtMs()).isEqualTo(clock);
                });
        assertThat(s.pending()).isEmpty();

        long tooLate = T0 + 61 * MIN + 1; // beyond the 60 min the conversions are kept
        assertThat(grader.addPrediction(s, prediction("r2", T0, "i1"), tooLate))
                .singleElement()
                .satisfies(o -> assertThat(o.censored()).isTrue());
    }

    @Test
    void aDrainGradesWhatFitsTheInputAndCensorsTheRestNeverAsNegatives() {
        UserOutcomes s = new UserOutcomes();
        grader.addPrediction(s, prediction("early", T0, "i1"), T0);
        grader.addPrediction(s, prediction("late", T0 + 20 * MIN, "i1", "i2"), T0 + 20 * MIN);
        grader.addConversion(s, ev("i1", Action.CART, T0 + 25 * MIN), T0 + 25 * MIN);

        List<Outcome> out = grader.drain(s, T0 + 30 * MIN); // the input ends here
        assertThat(out).hasSize(3);
        assertThat(out.get(0).censored()).as("its horizon fits: final").isFalse();
        assertThat(out.get(0).reached()).containsExactly(true, false);
        assertThat(out.get(1).censored()).isTrue();
        assertThat(out.get(1).reached()).as("a positive stays one").containsExactly(true, false);
        assertThat(out.get(2).censored()).isTrue();
        assertThat(out.get(2).reached()).containsExactly(false, false);
        assertThat(s.pending()).isEmpty();
    }

    @Test
    void conversionsAreKeptOnlyAsLongAsSomethingMayNeedThem() {
        UserOutcomes s = new UserOutcomes();
        assertThat(grader.retentionMs()).isEqualTo(60 * MIN); // max(horizon + grace, max prediction delay)
        assertThat(grader.addConversion(s, ev("i1", Action.VIEW, T0), T0))
                .as("not a conversion")
                .isFalse();
        grader.addConversion(s, ev("i1", Action.CART, T0), T0);
        assertThat(grader.nextTimerMs(s)).isEqualTo(T0 + 60 * MIN + 1);
        grader.addPrediction(s, prediction("r1", T0 + MIN, "i1"), T0 + MIN);
        assertThat(grader.nextTimerMs(s)).as("the prediction is due first").isEqualTo(T0 + MIN + 35 * MIN + 1);
        assertThat(grader.addConversion(s, ev("i1", Action.CART, T0), T0 + 61 * MIN))
                .as("expired on arrival")
                .isFalse();
        grader.purge(s, T0 + 60 * MIN + 1);
        assertThat(s.conversions()).isEmpty();
    }

    @Test
    void predictionsItCannotGradeAreRefusedWithAReason() {
        assertThat(grader.refusal(prediction("ok", T0, "i1"))).isNull();
        PendingPrediction unknownStage = new PendingPrediction(
                "x", T0, "m", "v", List.of("CLICK"), List.of(new PendingPrediction.Candidate("i", new float[] {0.1f})));
        assertThat(grader.refusal(unknownStage)).contains("CLICK");
        PendingPrediction exposureStage = new PendingPrediction(
                "x", T0, "m", "v", List.of("VIEW"), List.of(new PendingPrediction.Candidate("i", new float[] {0.1f})));
        assertThat(grader.refusal(exposureStage)).contains("VIEW");
        PendingPrediction nan = new PendingPrediction(
                "x", T0, "m", "v", List.of("CART"), List.of(new PendingPrediction.Candidate("i", new float[] {Float.NaN
                })));
        assertThat(grader.refusal(nan)).contains("NaN");
        PendingPrediction shape = new PendingPrediction(
                "x",
                T0,
                "m",
                "v",
                List.of("CART", "PURCHASE"),
                List.of(new PendingPrediction.Candidate("i", new float[] {0.1f})));
        assertThat(grader.refusal(shape)).contains("1 probabilities for 2 stages");
    }
}
