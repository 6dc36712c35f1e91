package dev.tandem.testkit.poison;

import dev.tandem.schemas.Action;
import dev.tandem.schemas.Candidate;
import dev.tandem.schemas.CandidateScore;
import dev.tandem.schemas.CategoryCount;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.ModelCommandType;
import dev.tandem.schemas.ModelControl;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.PredictionTimings;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.SequenceEvent;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.WindowCount;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/** Valid, fully populated records of every input topic's type: what the poison corpus mutates and fuzzing starts from. */
public final class ValidRecords {
    public static final Instant T0 = Instant.parse("2026-03-14T09:26:53.589Z");

    private ValidRecords() {}

    public static UserEvent event(String eventId, String user, String item, Action action, Instant time) {
        return UserEvent.newBuilder()
                .setEventId(eventId)
                .setUserId(user)
                .setItemId(item)
                .setCategoryId("c-" + item)
                .setAction(action)
                .setEventTime(time)
                .setPrice(19.99)
                .setBrand("acme")
                .setSessionId("s-1")
                .setAttributes(Map.of("device", "ios"))
                .build();
    }

    public static ItemMetadata item(String item) {
        return ItemMetadata.newBuilder()
                .setItemId(item)
                .setCategoryPath(List.of("c", "c-" + item))
                .setBrand("acme")
                .setPrice(19.99)
                .setAttributes(Map.of("color", "black"))
                .setUpdatedAt(T0)
                .build();
    }

    public static UserFeatures features(String user) {
        return UserFeatures.newBuilder()
                .setUserId(user)
                .setAsOf(T0)
                .setSequenceVersion(2)
                .setEvents(List.of(
                        new SequenceEvent("i-1", "c-a", Action.VIEW, T0.minusSeconds(60)),
                        new SequenceEvent("i-2", "c-b", Action.CART, T0)))
                .setActionCounts(List.of(new WindowCount(3_600_000L, Action.VIEW, 1L)))
                .setTopCategories(List.of(new CategoryCount("c-a", 1L)))
                .build();
    }

    public static ScoringRequest request(String requestId, String user, Instant time, String... items) {
        return ScoringRequest.newBuilder()
                .setRequestId(requestId)
                .setUserId(user)
                .setCandidates(java.util.Arrays.stream(items)
                        .map(i -> new Candidate(i, null))
                        .toList())
                .setRequestTime(time)
                .setContext(Map.of("page", "home"))
                .build();
    }

    public static Prediction prediction(String requestId, String user, Instant time) {
        return Prediction.newBuilder()
                .setRequestId(requestId)
                .setUserId(user)
                .setModelName("esmm")
                .setModelVersion("1")
                .setFeaturesAsOf(time)
                .setRequestTime(time)
                .setStages(List.of("VIEW", "CART", "PURCHASE"))
                .setCandidates(List.of(
                        new CandidateScore("i-1", List.of(0.5f, 0.1f, 0.01f), 19.99),
                        new CandidateScore("i-2", List.of(0.25f, 0.05f, 0.002f), null)))
                .setTimings(new PredictionTimings(time, time.plusMillis(3), 120L, 850L, 2))
                .build();
    }

    public static ModelControl load(String model, String version, String location) {
        return ModelControl.newBuilder()
                .setCommand(ModelCommandType.LOAD)
                .setModelName(model)
                .setModelVersion(version)
                .setLocation(location)
                .setIssuedAt(T0)
                .setCommandId("cmd-" + model + "-" + version)
                .build();
    }

    /** One record of each input type (and the model-control command). */
    public static List<SpecificRecord> all() {
        return List.of(
                event("e-1", "u-1", "i-1", Action.CART, T0),
                item("i-1"),
                features("u-1"),
                request("r-1", "u-1", T0, "i-1", "i-2"),
                prediction("r-1", "u-1", T0),
                load("esmm", "1", "/models/esmm/1"));
    }
}
