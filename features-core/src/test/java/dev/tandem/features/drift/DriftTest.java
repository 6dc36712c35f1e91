package dev.tandem.features.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DriftTest {
    @Test
    void quantileBinsHoldATenthEachAndAValueOnAnEdgeOpensTheUpperBin() {
        double[] v = new double[1000];
        for (int i = 0; i < v.length; i++) v[i] = i + 1; // 1 … 1000
        DriftBins b = DriftBins.quantiles(v, 10);
        assertThat(b.edges()).containsExactly(101, 201, 301, 401, 501, 601, 701, 801, 901);
        assertThat(b.counts()).containsOnly(100L);
        assertThat(b.missing()).isZero();
        assertThat(b.width()).isEqualTo(11);
        assertThat(b.bin(-5)).isZero();
        assertThat(b.bin(100.99)).isZero();
        assertThat(b.bin(101)).isEqualTo(1);
        assertThat(b.bin(901)).isEqualTo(9);
        assertThat(b.bin(1e9)).isEqualTo(9);
        assertThat(b.bin(Double.NaN)).isEqualTo(b.missingSlot()).isEqualTo(10);
    }

    @Test
    void tiesMakeFewerWiderBinsAndMissingValuesAreCounted() {
        double[] v = new double[100];
        for (int i = 0; i < v.length; i++) v[i] = i < 70 ? 9.99 : i < 90 ? 20 : Double.NaN;
        DriftBins b = DriftBins.quantiles(v, 10);
        assertThat(b.edges()).containsExactly(20);
        assertThat(b.counts()).containsExactly(70, 20);
        assertThat(b.missing()).isEqualTo(10);
        assertThat(b.expected()).containsExactly(70, 20, 10);
        assertThat(b.total()).isEqualTo(100);

        DriftBins none = DriftBins.quantiles(new double[] {Double.NaN, Double.NaN}, 10);
        assertThat(none.edges()).isEmpty();
        assertThat(none.expected()).containsExactly(0, 2);
    }

    @Test
    void psiMatchesTheFormulaAndIsZeroForTheSameShares() {
        // p = (0.5, 0.5), q = (0.9, 0.1): 0.4·ln 1.8 + 0.4·ln 5
        double exact = 0.4 * Math.log(1.8) + 0.4 * Math.log(5);
        assertThat(Psi.of(new long[] {50_000, 50_000}, new long[] {90_000, 10_000}))
                .isCloseTo(exact, within(1e-4));
        assertThat(Psi.of(new long[] {10, 20, 30}, new long[] {100, 200, 300})).isCloseTo(0, within(1e-3));
        assertThat(Psi.of(new long[] {10, 20, 30}, new long[] {10, 20, 30})).isZero();
        assertThat(Psi.of(new long[] {5, 0}, new long[] {0, 0})).isNaN();
        assertThat(Psi.of(new long[] {0, 0}, new long[] {3, 4})).isNaN();
        // a bin the reference never saw: large but finite, thanks to the pseudo-count
        assertThat(Psi.of(new long[] {1000, 1000, 0}, new long[] {100, 100, 800}))
                .isFinite()
                .isGreaterThan(2);
        // bins empty on both sides change nothing
        assertThat(Psi.of(new long[] {10, 0, 30}, new long[] {20, 0, 20}))
                .isEqualTo(Psi.of(new long[] {10, 30}, new long[] {20, 20}));
        assertThatThrownBy(() -> Psi.of(new long[] {1}, new long[] {1, 2})).hasMessageContaining("different bins");
    }

    @Test
    void aSampleOfTheReferenceDistributionIsStableAndAShiftedOneIsNot() {
        Random r = new Random(7);
        DriftBins ref = DriftBins.quantiles(lognormalPrices(r, 20_000, 1.0), 10);
        assertThat(Psi.of(ref.expected(), counts(ref, lognormalPrices(r, 5_000, 1.0))))
                .as("another sample of the same prices")
                .isLessThan(0.01);
        assertThat(Psi.of(ref.expected(), counts(ref, lognormalPrices(r, 5_000, 1.3))))
                .as("prices 30 % up: a moderate shift")
                .isBetween(0.02, 0.25);
        assertThat(Psi.of(ref.expected(), counts(ref, lognormalPrices(r, 5_000, 2.0))))
                .as("prices doubled")
                .isGreaterThan(0.25);
        double[] unknown = lognormalPrices(r, 5_000, 1.0);
        for (int i = 0; i < unknown.length / 2; i++) unknown[i] = Double.NaN;
        assertThat(Psi.of(ref.expected(), counts(ref, unknown)))
                .as("half the prices unknown: the missing slot alone")
                .isGreaterThan(0.25);
    }

    @Test
    void aReferenceOfValidationRowsRoundTripsThroughItsCardMap() {
        Random r = new Random(11);
        int rows = 500;
        float[] predictions = new float[rows * 2];
        double[] prices = lognormalPrices(r, rows, 1.0);
        double[] recency = new double[rows];
        for (int i = 0; i < rows; i++) {
            predictions[2 * i] = r.nextFloat();
            predictions[2 * i + 1] = predictions[2 * i] * r.nextFloat();
            recency[i] = i % 10 == 0 ? Double.NaN : DriftFeatures.recencyHours(10_000_000L, 10_000_000L - i * 60_000L);
        }
        DriftReference ref = DriftReference.of(List.of("CART", "PURCHASE"), predictions, prices, recency, 10);
        assertThat(ref.rows()).isEqualTo(rows);
        assertThat(ref.scores()).containsOnlyKeys("CART", "PURCHASE");
        assertThat(ref.features().keySet()).containsExactlyElementsOf(DriftFeatures.ALL);
        assertThat(ref.scores().get("CART").edges()).hasSize(9);
        assertThat(ref.features().get(DriftFeatures.USER_RECENCY_HOURS).missing())
                .isEqualTo(50);

        Map<String, Object> map = ref.toMap();
        assertThat(map).containsEntry("format", 1).containsEntry("split", "validation");
        assertThat(DriftReference.fromMap(asJsonWouldReadIt(map))).isEqualTo(ref);
    }

    @Test
    void aMalformedSectionIsRefusedNamingThePlace() {
        assertThatThrownBy(() -> DriftReference.fromMap(Map.of("format", 2))).hasMessageContaining("format 2");
        Map<String, Object> badBins = Map.of("edges", List.of(2.0, 1.0), "counts", List.of(1, 1, 1));
        assertThatThrownBy(() -> DriftReference.fromMap(Map.of("format", 1, "scores", Map.of("CART", badBins))))
                .hasMessageContaining("scores.CART")
                .hasMessageContaining("ascending");
        Map<String, Object> shortCounts = Map.of("edges", List.of(1.0), "counts", List.of(1));
        assertThatThrownBy(() -> DriftReference.fromMap(Map.of("format", 1, "features", Map.of("x", shortCounts))))
                .hasMessageContaining("features.x");
    }

    @Test
    void featuresFollowTheEncodersRules() {
        assertThat(DriftFeatures.price(null)).isNaN();
        assertThat(DriftFeatures.price(-1.0)).isNaN();
        assertThat(DriftFeatures.price(Double.POSITIVE_INFINITY)).isNaN();
        assertThat(DriftFeatures.price(0.0)).isZero();
        assertThat(DriftFeatures.price(12.5)).isEqualTo(12.5);
        assertThat(DriftFeatures.recencyHours(7_200_000, 0L)).isEqualTo(2.0);
        assertThat(DriftFeatures.recencyHours(0, 5L))
                .as("an event after the request")
                .isZero();
        assertThat(DriftFeatures.recencyHours(0, null)).isNaN();
    }

    private static double[] lognormalPrices(Random r, int n, double scale) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = scale * Math.exp(3 + r.nextGaussian());
        return v;
    }

    private static long[] counts(DriftBins bins, double[] values) {
        long[] c = new long[bins.width()];
        for (double v : values) c[bins.bin(v)]++;
        return c;
    }

    /** Numbers as a JSON reader gives them back: small integers as Integer, the rest as Long or Double. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> asJsonWouldReadIt(Map<String, Object> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, jsonish(v)));
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Object jsonish(Object v) {
        if (v instanceof Map<?, ?> m) return asJsonWouldReadIt((Map<String, Object>) m);
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object o : l) out.add(jsonish(o));
            return out;
        }
        if (v instanceof Long n && n == n.intValue()) return n.intValue();
        return v;
    }
}
