package dev.tandem.connect.avro;

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
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/** One fully populated instance of each top-level Tandem record, optional fields set where the schema has them. */
final class TandemRecords {
    static final Instant T0 = Instant.parse("2025-03-14T09:26:53.589Z");

    private TandemRecords() {}

    static UserEvent userEvent() {
        return UserEvent.newBuilder()
                .setEventId("ev-000042")
                .setUserId("u-1001")
                .setItemId("i-77")
                .setCategoryId("c-electronics.phones")
                .setAction(Action.CART)
                .setEventTime(T0)
                .setPrice(499.99)
                .setBrand("acme")
                .setSessionId("s-9f3a")
                .setAttributes(Map.of("utm_source", "newsletter"))
                .build();
    }

    static ItemMetadata itemMetadata() {
        return ItemMetadata.newBuilder()
                .setItemId("i-77")
                .setCategoryPath(List.of("c-electronics", "c-electronics.phones"))
                .setBrand("acme")
                .setPrice(499.99)
                .setAttributes(Map.of("color", "black"))
                .setUpdatedAt(T0)
                .build();
    }

    static UserFeatures userFeatures() {
        return UserFeatures.newBuilder()
                .setUserId("u-1001")
                .setAsOf(T0)
                .setSequenceVersion(17)
                .setEvents(List.of(
                        new SequenceEvent("i-1", "c-a", Action.VIEW, T0.minusSeconds(60)),
                        new SequenceEvent("i-77", "c-b", Action.CART, T0)))
                .setActionCounts(List.of(new WindowCount(3_600_000L, Action.VIEW, 12L)))
                .setTopCategories(List.of(new CategoryCount("c-b", 9L)))
                .build();
    }

    static ScoringRequest scoringRequest() {
        return ScoringRequest.newBuilder()
                .setRequestId("r-1")
                .setUserId("u-1001")
                .setCandidates(List.of(new Candidate("i-77", null), new Candidate("i-new", itemMetadata())))
                .setRequestTime(T0)
                .setContext(Map.of("page", "home"))
                .build();
    }

    static Prediction prediction() {
        return Prediction.newBuilder()
                .setRequestId("r-1")
                .setUserId("u-1001")
                .setModelName("esmm")
                .setModelVersion("3")
                .setFeaturesAsOf(T0)
                .setRequestTime(T0)
                .setStages(List.of("VIEW", "CART", "PURCHASE"))
                .setCandidates(List.of(
                        new CandidateScore("i-77", List.of(0.5f, 0.1f, 0.01f), 19.99),
                        new CandidateScore("i-new", List.of(0.25f, 0.05f, 0.002f), null)))
                .setTimings(new PredictionTimings(T0, T0.plusMillis(3), 120L, 850L, 64))
                .build();
    }

    static ModelControl modelControl() {
        return ModelControl.newBuilder()
                .setCommand(ModelCommandType.LOAD)
                .setModelName("esmm")
                .setModelVersion("4")
                .setLocation("file:///models/esmm/4")
                .setIssuedAt(T0)
                .setCommandId(null)
                .build();
    }

    static List<SpecificRecord> all() {
        return List.of(userEvent(), itemMetadata(), userFeatures(), scoringRequest(), prediction(), modelControl());
    }

    /**
     * Plain Avro binary: how records are compared here, since a generated {@code equals} over an array of records
     * holding a nullable timestamp throws in Avro 1.12 (its array comparison has no logical-type conversions).
     */
    static byte[] avroBytes(SpecificRecord record) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
            new SpecificDatumWriter<Object>(record.getSchema()).write(record, enc);
            enc.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
