package dev.tandem.features.streams;

import static dev.tandem.features.streams.TopologyFixture.NOW;
import static dev.tandem.features.streams.TopologyFixture.event;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.features.FeatureNames;
import dev.tandem.features.FeatureTopology;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.UserFeatures;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;

/** Score on exposure through the features topology (TopologyTestDriver). */
class ExposureRequestsTest {
    private static final long MIN = 60_000;
    private static final long HOUR = 60 * MIN;
    private static final long T0 = NOW.toEpochMilli() - 6 * HOUR;
    private static final SequencePolicy POLICY = SequencePolicy.defaults().withGrace(Duration.ofMinutes(10));
    private static final FeatureTopology.Options OPTIONS = new FeatureTopology.Options(
            Duration.ofDays(1), Duration.ofMinutes(1), TtlClock.EVENT_TIME, Duration.ofMinutes(5));

    @Test
    void everyAcceptedViewAsksForARequestCarryingTheUsersPreviousFeaturesRecord() {
        try (TopologyFixture fx = new TopologyFixture(POLICY, OPTIONS, true)) {
            Random r = new Random(11);
            Map<String, UserFeatures> previous = new HashMap<>();
            int views = 0;
            int requests = 0;
            for (int i = 0; i < 600; i++) {
                String user = "u" + r.nextInt(5);
                // mostly in order, some out of order within the grace, some beyond it (late), some repeated ids
                long t = T0 + i * MIN / 2 - (r.nextInt(5) == 0 ? 8 * MIN : 0) - (r.nextInt(20) == 0 ? HOUR : 0);
                String id = r.nextInt(12) == 0 ? "e" + Math.max(0, i - 2) : "e" + i;
                Action action = Action.values()[r.nextInt(Action.values().length)];
                UserEvent e = event(id, user, "i" + r.nextInt(30), "c" + r.nextInt(4), action, t);
                fx.events.pipeInput(user, e);

                List<KeyValue<String, UserFeatures>> features = fx.userFeatures.readKeyValuesToList();
                List<ScoringRequest> asked = fx.exposureRequests.readValuesToList();
                boolean accepted = !features.isEmpty();
                if (accepted && action == Action.VIEW) {
                    views++;
                    assertThat(asked).as("event %s", id).hasSize(1);
                    ScoringRequest q = asked.get(0);
                    UserFeatures before = previous.get(user);
                    if (before == null) {
                        assertThat(q.getFeatures().getSequenceVersion()).isZero();
                        assertThat(q.getFeatures().getEvents()).isEmpty();
                    } else {
                        assertThat(q.getFeatures()).as("event %s", id).isEqualTo(before);
                    }
                    assertThat(q.getFeatures().getSequenceVersion() + 1)
                            .as("the version before the view's own")
                            .isEqualTo(features.get(0).value.getSequenceVersion());
                    assertThat(q.getRequestId()).isEqualTo(id);
                    assertThat(q.getUserId()).isEqualTo(user);
                    assertThat(q.getRequestTime()).isEqualTo(Instant.ofEpochMilli(t));
                    requests++;
                } else {
                    assertThat(asked)
                            .as("event %s (%s, accepted %s)", id, action, accepted)
                            .isEmpty();
                }
                for (KeyValue<String, UserFeatures> kv : features) previous.put(kv.key, kv.value);
            }
            assertThat(views).as("the stream had accepted views").isGreaterThan(50);
            assertThat(requests).isEqualTo(views);
            assertThat(fx.meters
                            .find(FeatureNames.METRIC_EXPOSURE_REQUESTS)
                            .counter()
                            .count())
                    .isEqualTo(views);
        }
    }

    @Test
    void theCandidateHasTheEventsCategoryAndItsBrandAndPriceElseTheCatalogs() {
        try (TopologyFixture fx = new TopologyFixture(POLICY, OPTIONS, true)) {
            fx.items.pipeInput(
                    "500",
                    ItemMetadata.newBuilder()
                            .setItemId("500")
                            .setCategoryPath(List.of("1", "9"))
                            .setBrand("acme")
                            .setPrice(9.5)
                            .build());
            UserEvent withPrice = event("a1", "u1", "500", "7", Action.VIEW, T0);
            withPrice.setPrice(7.25);
            fx.events.pipeInput("u1", withPrice);
            fx.events.pipeInput("u1", event("a2", "u1", "501", "7", Action.VIEW, T0 + MIN));

            List<ScoringRequest> asked = fx.exposureRequests.readValuesToList();
            assertThat(asked).hasSize(2);
            ItemMetadata known = asked.get(0).getCandidates().get(0).getMetadata();
            assertThat(known.getCategoryPath()).as("the event's category").containsExactly("7");
            assertThat(known.getPrice()).as("the event's own price").isEqualTo(7.25);
            assertThat(known.getBrand()).as("the catalog's brand").isEqualTo("acme");
            ItemMetadata unknown = asked.get(1).getCandidates().get(0).getMetadata();
            assertThat(unknown.getItemId()).isEqualTo("501");
            assertThat(unknown.getBrand()).isNull();
            assertThat(unknown.getPrice()).isNull();
            assertThat(asked.get(1).getContext())
                    .containsEntry(ExposureRequests.CONTEXT_KEY, ExposureRequests.CONTEXT_VALUE);
        }
    }

    @Test
    void offByDefaultTheTopologyHasNoExposureOutput() {
        try (TopologyFixture fx = new TopologyFixture(POLICY, OPTIONS)) {
            fx.events.pipeInput("u1", event("a1", "u1", "500", "7", Action.VIEW, T0));
            assertThat(fx.userFeatures.readValuesToList()).hasSize(1);
            assertThat(fx.exposureRequests.isEmpty()).isTrue();
            assertThat(fx.topology.describe().toString()).doesNotContain("exposure");
        }
    }
}
