package dev.tandem.features.interaction;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ItemFactsAsOfTest {
    @Test
    void aFactCountsOnlyStrictlyBeforeTheTimeAskedAbout() {
        ItemFactsAsOf facts = new ItemFactsAsOf(List.of(
                new ItemFactsAsOf.Fact("i1", 200, null, 12.0),
                new ItemFactsAsOf.Fact("i1", 100, "acme", 10.0),
                new ItemFactsAsOf.Fact("i1", 200, null, 13.0), // the last of one millisecond stands for it
                new ItemFactsAsOf.Fact("i2", 50, "other", null)));
        assertThat(facts.price("i1", 100))
                .as("a price first seen at the exposure is not known before it")
                .isNull();
        assertThat(facts.price("i1", 101)).isEqualTo(10.0);
        assertThat(facts.price("i1", 201)).isEqualTo(13.0);
        assertThat(facts.brand("i1", 1_000)).isEqualTo("acme");
        assertThat(facts.price("i2", 1_000)).isNull();
        assertThat(facts.brand("i3", 1_000)).isNull();
    }
}
