package dev.tandem.features.funnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ItemConversionRatesTest {
    // rows: item, CART label, PURCHASE label; the last row is masked for PURCHASE
    static final String[] ITEMS = {"a", "a", "a", "b", "b", "c"};
    static final float[] LABELS = {1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0};
    static final float[] MASK = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0};

    @Test
    void smoothsEachItemTowardsTheGlobalRateOfTheRowsItWasFitOn() {
        ItemConversionRates r = ItemConversionRates.fit(ITEMS, LABELS, MASK, 2, i -> true, 2);
        assertThat(r.globalRate(0)).isCloseTo(3.0 / 6, within(1e-12));
        assertThat(r.globalRate(1)).isCloseTo(1.0 / 5, within(1e-12));
        assertThat(r.rate("a", 0)).isCloseTo((2 + 2 * 0.5) / (3 + 2), within(1e-12));
        assertThat(r.rate("b", 1)).isCloseTo((0 + 2 * 0.2) / (2 + 2), within(1e-12));
        assertThat(r.exposures("c", 1)).as("masked rows are not counted").isZero();
        assertThat(r.rate("c", 1)).isCloseTo(0.2, within(1e-12));
        assertThat(r.rate("never-seen", 0)).isCloseTo(0.5, within(1e-12));
        assertThat(r.rate("a", 0, 0)).isCloseTo(2.0 / 3, within(1e-12));
    }

    @Test
    void rowsLeftOutDoNotCount() {
        ItemConversionRates r = ItemConversionRates.fit(ITEMS, LABELS, MASK, 2, i -> i >= 3, 0);
        assertThat(r.exposures("a", 0)).isZero();
        assertThat(r.globalRate(0)).isCloseTo(1.0 / 3, within(1e-12));
        assertThat(r.rate("a", 0)).as("unseen: the global rate").isCloseTo(1.0 / 3, within(1e-12));
        assertThat(r.rate("c", 0)).isEqualTo(1.0);
    }
}
