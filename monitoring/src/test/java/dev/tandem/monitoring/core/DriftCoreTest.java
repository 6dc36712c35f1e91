package dev.tandem.monitoring.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.features.drift.DriftBins;
import dev.tandem.features.drift.DriftFeatures;
import dev.tandem.features.drift.DriftReference;
import dev.tandem.features.eval.ScoreHistogram;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DriftCoreTest {
    static final DriftReference REF = new DriftReference(
            100,
            Map.of("CART", new DriftBins(new double[] {0.1, 0.5}, new long[] {30, 40, 30}, 0)),
            Map.of(DriftFeatures.CANDIDATE_PRICE, new DriftBins(new double[] {10}, new long[] {45, 45}, 10)));

    @TempDir
    Path tmp;

    @Test
    void countsFallInTheReferencesBinsAndMergeAndRoundTrip() {
        DriftCounts a = new DriftCounts();
        a.addScore(REF, "CART", 0.05);
        a.addScore(REF, "CART", 0.5);
        a.addScore(REF, "PURCHASE", 0.5); // no bins for it in the reference: ignored
        a.addFeature(REF, DriftFeatures.CANDIDATE_PRICE, Double.NaN);
        a.addFeature(REF, DriftFeatures.CANDIDATE_PRICE, 12);
        a.addFeature(REF, DriftFeatures.USER_RECENCY_HOURS, 3); // ditto
        assertThat(a.scores()).containsOnlyKeys("CART");
        assertThat(a.scores().get("CART")).containsExactly(1, 0, 1, 0);
        assertThat(a.features().get(DriftFeatures.CANDIDATE_PRICE)).containsExactly(0, 1, 1);

        DriftCounts back = DriftCounts.decode(a.encode());
        assertThat(back).isEqualTo(a);
        back.merge(a);
        assertThat(back.scores().get("CART")).containsExactly(2, 0, 2, 0);
        assertThat(DriftCounts.total(back.features().get(DriftFeatures.CANDIDATE_PRICE)))
                .isEqualTo(4);
        assertThat(new DriftCounts().isEmpty()).isTrue();

        DriftPartial partial = new DriftPartial(new MetricKey("m/1", "v", MetricKey.ALL_STAGES, 7_200_000L), a);
        assertThat(DriftPartial.decode(partial.encode())).isEqualTo(partial);
    }

    @Test
    void scoresAsReadAreKeptPerStageWithOrWithoutAReferenceAndMergeAndRoundTrip() {
        DriftCounts a = new DriftCounts();
        a.addRead("CART", 0.2f);
        a.addRead("CART", 0.6f);
        a.addRead("PURCHASE", 0.05f);
        a.addRead("PURCHASE", Float.NaN); // no place in a ranking: ignored
        assertThat(a.isEmpty()).isFalse();
        assertThat(a.scores()).as("nothing binned without a reference").isEmpty();
        assertThat(a.read().get("CART").count()).isEqualTo(2);
        assertThat(a.read().get("CART").meanPrediction()).isCloseTo(0.4, within(1e-6));
        assertThat(a.read().get("PURCHASE").count()).isEqualTo(1);

        DriftCounts back = DriftCounts.decode(a.encode());
        assertThat(back).isEqualTo(a);
        DriftCounts b = new DriftCounts();
        b.addRead("CART", 0.9f);
        b.addScore(REF, "CART", 0.9);
        back.merge(b);
        assertThat(back.read().get("CART").count()).isEqualTo(3);
        assertThat(back.read().get("CART").expectedAuc())
                .isEqualTo(new ScoreHistogram()
                        .merge(a.read().get("CART"))
                        .merge(b.read().get("CART"))
                        .expectedAuc());
        assertThat(back.scores().get("CART")).containsExactly(0, 0, 1, 0);
        DriftPartial partial = new DriftPartial(new MetricKey("m", "v", MetricKey.ALL_STAGES, 0L), back);
        assertThat(DriftPartial.decode(partial.encode())).isEqualTo(partial);
    }

    @Test
    void countsWrittenBeforeTheHistogramsAreStillRead() {
        // format 1: u8 1, one stage CART with 2 slots [3, 4], no features
        byte[] v1 = {1, 1, 4, 'C', 'A', 'R', 'T', 2, 3, 4, 0};
        DriftCounts old = DriftCounts.decode(v1);
        assertThat(old.scores().get("CART")).containsExactly(3, 4);
        assertThat(old.read()).isEmpty();
        assertThat(DriftCounts.decode(old.encode())).isEqualTo(old);
    }

    @Test
    void corruptBytesAreRefused() {
        DriftCounts a = new DriftCounts();
        a.addScore(REF, "CART", 0.3);
        a.addRead("CART", 0.3f);
        byte[] bytes = a.encode();
        for (int n = 0; n < bytes.length; n++) {
            byte[] cut = Arrays.copyOf(bytes, n);
            assertThatThrownBy(() -> DriftCounts.decode(cut)).isInstanceOf(IllegalArgumentException.class);
        }
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        assertThatThrownBy(() -> DriftCounts.decode(longer)).hasMessageContaining("trailing");
        byte[] version = bytes.clone();
        version[0] = 9;
        assertThatThrownBy(() -> DriftCounts.decode(version)).hasMessageContaining("format");
    }

    @Test
    void cardsAreFoundByTheirNameAndVersionAtAnyDepthAndNewOnesOnALaterMiss() throws IOException {
        Path root = tmp.resolve("models");
        card(root.resolve("funnel/v1"), "funnel", "v1", REF);
        card(root.resolve("funnel/v0"), "funnel", "v0", null); // written before cards had a drift section
        card(root.resolve("funnel/.tmp-v9-123"), "funnel", "v9", REF); // an export in progress
        Files.createDirectories(root.resolve("broken"));
        Files.writeString(root.resolve("broken").resolve(ModelCards.CARD_FILE), "{not json");
        Path single = tmp.resolve("elsewhere/other/v7");
        card(single, "other", "v7", REF);

        AtomicLong nanos = new AtomicLong();
        ModelCards cards = new ModelCards(List.of(root, single), Duration.ofMinutes(1), nanos::get);
        assertThat(cards.find("funnel", "v1")).isEqualTo(REF);
        assertThat(cards.find("other", "v7")).as("a version's own directory").isEqualTo(REF);
        assertThat(cards.find("funnel", "v0")).as("an old card: no PSI").isNull();
        assertThat(cards.find("funnel", "v9"))
                .as("hidden directories are skipped")
                .isNull();
        assertThat(cards.known()).containsExactlyInAnyOrder("funnel/v1", "other/v7");

        card(root.resolve("funnel/v2"), "funnel", "v2", REF);
        nanos.addAndGet(Duration.ofSeconds(30).toNanos());
        assertThat(cards.find("funnel", "v2"))
                .as("not read again within a minute")
                .isNull();
        nanos.addAndGet(Duration.ofSeconds(31).toNanos());
        assertThat(cards.find("funnel", "v2")).as("exported while the app runs").isEqualTo(REF);

        assertThat(new ModelCards(List.of(), Duration.ofMinutes(1)).find("funnel", "v1"))
                .isNull();
        assertThat(new ModelCards(List.of(tmp.resolve("missing")), Duration.ofMinutes(1)).known())
                .isEmpty();
    }

    private static void card(Path dir, String name, String version, DriftReference ref) throws IOException {
        Files.createDirectories(dir);
        Map<String, Object> card = new LinkedHashMap<>();
        card.put("name", name);
        card.put("version", version);
        if (ref != null) card.put(DriftReference.CARD_KEY, ref.toMap());
        Files.writeString(dir.resolve(ModelCards.CARD_FILE), new ObjectMapper().writeValueAsString(card));
    }
}
