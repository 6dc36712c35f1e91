package dev.tandem.connect.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ServingCoreTest {
    static final List<String> STAGES = List.of("VIEW", "CART", "PURCHASE");

    static Recommendation.Candidate c(String id, Double price, float... p) {
        return new Recommendation.Candidate(id, p, price);
    }

    @Test
    void newerRequestTimeWinsAndTiesGoToTheLargerRequestIdByCodePoint() {
        assertThat(Freshness.replaces(2, "a", 1, "z")).isTrue();
        assertThat(Freshness.replaces(1, "z", 2, "a")).isFalse();
        assertThat(Freshness.replaces(5, "r-2", 5, "r-1")).isTrue();
        assertThat(Freshness.replaces(5, "r-1", 5, "r-2")).isFalse();
        assertThat(Freshness.replaces(5, "r-1", 5, "r-1"))
                .as("the same prediction again")
                .isFalse();
        // U+FF5E sorts below U+1F600 by code point (and in UTF-8 bytes) but above it in UTF-16 units
        String bmp = "\uFF5E", astral = new String(Character.toChars(0x1F600));
        assertThat(bmp.compareTo(astral)).isPositive();
        assertThat(Freshness.compare(1, bmp, 1, astral)).isNegative();
        assertThat(Freshness.compare(1, "ab", 1, "abc")).isNegative();
    }

    @Test
    void ranksByTheObjectiveStageBestFirstNaNLastTiesByItemId() {
        List<RankedItem> r = Recommendation.rank(
                STAGES,
                List.of(
                        c("b", null, 0.9f, 0.2f, 0.1f),
                        c("nan", null, 0.9f, Float.NaN, 0.1f),
                        c("a", null, 0.5f, 0.2f, 0.1f),
                        c("top", null, 0.1f, 0.7f, 0.1f)),
                Objective.parse("probability:cart", 0),
                0);
        assertThat(r).extracting(RankedItem::itemId).containsExactly("top", "a", "b", "nan");
        assertThat(r.get(0).score()).isEqualTo(0.7f);
        assertThat(r.get(0).probabilities()).containsExactly(0.1f, 0.7f, 0.1f);
    }

    @Test
    void expectedValueMultipliesByPriceAndUsesTheMissingPriceWhenUnknown() {
        List<RankedItem> r = Recommendation.rank(
                STAGES,
                List.of(c("cheap", 1.0, 0, 0, 0.5f), c("dear", 100.0, 0, 0, 0.01f), c("unknown", null, 0, 0, 0.9f)),
                Objective.parse("expected-value:PURCHASE", 0.5),
                2);
        assertThat(r).extracting(RankedItem::itemId).containsExactly("dear", "cheap");
        assertThat(r.get(0).score()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
    }

    @Test
    void objectiveSpecsAndTheirErrors() {
        assertThat(Objective.parse("PURCHASE", 0)).isEqualTo(Objective.probability("PURCHASE"));
        assertThat(Objective.parse(" expected-value : purchase ", 2).toString()).isEqualTo("expected-value:PURCHASE");
        assertThatThrownBy(() -> Objective.parse("revenue:PURCHASE", 0)).hasMessageContaining("revenue:PURCHASE");
        assertThatThrownBy(() -> Objective.parse("", 0)).hasMessageContaining("empty");
        assertThatThrownBy(() -> Objective.probability("CLICK").stageIndex(STAGES))
                .hasMessageContaining("CLICK")
                .hasMessageContaining("[VIEW, CART, PURCHASE]");
        assertThatThrownBy(() ->
                        Recommendation.rank(STAGES, List.of(c("x", null, 0.1f)), Objective.probability("VIEW"), 0))
                .hasMessageContaining("1 probabilities for 3 stages");
    }

    @Test
    void jsonRoundTripKeepsEveryFieldIncludingNullsAndNaN() {
        Recommendation r = new Recommendation(
                "u-1",
                "r-9",
                1_700_000_000_123L,
                "mmoe",
                "v3",
                null,
                1_700_000_000_456L,
                STAGES,
                "probability:CART",
                Recommendation.rank(
                        STAGES,
                        List.of(c("i-1", 12.5, 0.4f, 0.3f, Float.NaN), c("ü-日本", null, 0.2f, 0.1f, 0.05f)),
                        Objective.probability("CART"),
                        0));
        String json = RecommendationJson.encode(r);
        assertThat(json).contains("\"CART\":0.3").contains("\"PURCHASE\":null");
        assertThat(RecommendationJson.decode(json)).isEqualTo(r);
        // what the Redis sink hands Lettuce: the same document, UTF-8 encoded (the item id is not ASCII)
        assertThat(RecommendationJson.encodeUtf8(r)).isEqualTo(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        // an expected value (probability × a double price) is kept at float precision, so it too reads back exactly
        Recommendation ev = new Recommendation(
                "u-2",
                "r-1",
                1,
                "m",
                "v",
                null,
                2,
                STAGES,
                "expected-value:PURCHASE",
                Recommendation.rank(
                        STAGES,
                        List.of(c("a", 19.99, 0.4f, 0.3f, 0.123f), c("b", 0.01, 0.2f, 0.1f, 0.7f)),
                        Objective.parse("expected-value:PURCHASE", 0),
                        0));
        assertThat(ev.items().get(0).score()).isEqualTo((double) (float) (0.123f * 19.99));
        assertThat(RecommendationJson.decode(RecommendationJson.encode(ev))).isEqualTo(ev);
        Recommendation withAsOf =
                new Recommendation("u", "r", 1, "m", "v", 42L, 2, List.of("CART"), "probability:CART", List.of());
        assertThat(RecommendationJson.decode(RecommendationJson.encode(withAsOf)))
                .isEqualTo(withAsOf);
        assertThatThrownBy(() -> RecommendationJson.decode("{\"user_id\":\"u\"}"))
                .hasMessageContaining("lacks");
        assertThatThrownBy(() -> RecommendationJson.decode("not json")).hasMessageContaining("not a stored");
    }
}
