package dev.tandem.monitoring.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCardsTest {
    @TempDir
    Path root;

    @Test
    void readsEachStagesAucFromACardWithOrWithoutADriftSection() throws Exception {
        Path v1 = Files.createDirectories(root.resolve("funnel/v1"));
        Files.writeString(
                v1.resolve(ModelCards.CARD_FILE),
                "{\"name\":\"funnel\",\"version\":\"v1\",\"stages\":{\"CART\":{\"auc\":0.71,\"ece\":0.01},"
                        + "\"PURCHASE\":{\"auc\":0.64}}}");

        ModelCards cards = new ModelCards(List.of(root), Duration.ofMinutes(1));

        assertThat(cards.cardAuc("funnel", "v1", "CART")).hasValue(0.71);
        assertThat(cards.cardAuc("funnel", "v1", "PURCHASE")).hasValue(0.64);
        assertThat(cards.cardAuc("funnel", "v1", "VIEW")).isEmpty();
        assertThat(cards.cardAuc("funnel", "v2", "CART")).isEmpty();
        // an older card without the drift section still states its AUC, but gives no PSI reference
        assertThat(cards.find("funnel", "v1")).isNull();
    }

    @Test
    void aVersionExportedLaterIsFoundOnceTheRescanIntervalHasPassed() throws Exception {
        long[] now = {0};
        ModelCards cards = new ModelCards(List.of(root), Duration.ofMinutes(1), () -> now[0]);
        assertThat(cards.cardAuc("funnel", "v2", "CART")).isEmpty();

        Path v2 = Files.createDirectories(root.resolve("funnel/v2"));
        Files.writeString(
                v2.resolve(ModelCards.CARD_FILE),
                "{\"name\":\"funnel\",\"version\":\"v2\",\"stages\":{\"CART\":{\"auc\":0.75}}}");
        assertThat(cards.cardAuc("funnel", "v2", "CART"))
                .as("before the rescan interval")
                .isEmpty();
        now[0] += Duration.ofMinutes(1).toNanos();
        assertThat(cards.cardAuc("funnel", "v2", "CART")).hasValue(0.75);
    }
}
