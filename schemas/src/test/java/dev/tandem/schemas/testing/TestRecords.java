package dev.tandem.schemas.testing;

import dev.tandem.schemas.Action;
import dev.tandem.schemas.Candidate;
import dev.tandem.schemas.CandidateScore;
import dev.tandem.schemas.CategoryCount;
import dev.tandem.schemas.ItemMetadata;
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

/** One realistic, fully populated instance of every top-level record, optional fields set. */
public final class TestRecords {
    public static final Instant T0 = Instant.parse("2025-03-14T09:26:53.589Z");

    private TestRecords() {}

    public static UserEvent userEvent() {
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
                .setAttributes(Map.of("utm_source", "newsletter", "device", "ios"))
                .build();
    }

    public static ItemMetadata itemMetadata() {
        return ItemMetadata.newBuilder()
                .setItemId("i-77")
                .setCategoryPath(List.of("c-electronics", "c-electronics.phones"))
                .setBrand("acme")
                .setPrice(499.99)
                .setAttributes(Map.of("color", "black"))
                .setUpdatedAt(T0)
                .build();
    }

    public static UserFeatures userFeatures() {
        return UserFeatures.newBuilder()
                .setUserId("u-1001")
                .setAsOf(T0)
                .setSequenceVersion(17)
                .setEvents(List.of(
                        new SequenceEvent("i-1", "c-a", Action.VIEW, T0.minusSeconds(60)),
                        new SequenceEvent("i-77", "c-b", Action.CART, T0)))
                .setActionCounts(List.of(
                        new WindowCount(3_600_000L, Action.VIEW, 12L), new WindowCount(3_600_000L, Action.CART, 1L)))
                .setTopCategories(List.of(new CategoryCount("c-b", 9L), new CategoryCount("c-a", 3L)))
                .build();
    }

    public static ScoringRequest scoringRequest() {
        return ScoringRequest.newBuilder()
                .setRequestId("r-1")
                .setUserId("u-1001")
                .setCandidates(List.of(new Candidate("i-77", null), new Candidate("i-new", itemMetadata())))
                .setRequestTime(T0)
                .setContext(Map.of("page", "home"))
                .build();
    }

    public static Prediction prediction() {
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

    /**
     * The record's plain Avro binary. Compare records by this: the generated {@code equals} of a
     * record holding an array of records with a nullable timestamp (ScoringRequest's candidates)
     * throws "Unknown datum type java.time.Instant" in Avro 1.12 (GenericData.Array compares with
     * a model that has no logical-type conversions).
     */
    public static byte[] avroBytes(org.apache.avro.generic.IndexedRecord record) {
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            org.apache.avro.io.BinaryEncoder enc =
                    org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
            org.apache.avro.io.DatumWriter<Object> w = record instanceof SpecificRecord
                    ? new org.apache.avro.specific.SpecificDatumWriter<>(record.getSchema())
                    : new org.apache.avro.generic.GenericDatumWriter<>(record.getSchema());
            w.write(record, enc);
            enc.flush();
            return out.toByteArray();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Whether two records hold the same data: {@code equals}, or the Avro bytes where {@code equals} hits the bug above. */
    public static boolean sameData(Object actual, org.apache.avro.generic.IndexedRecord expected) {
        if (!(actual instanceof org.apache.avro.generic.IndexedRecord a) || actual.getClass() != expected.getClass())
            return false;
        try {
            return expected.equals(actual);
        } catch (org.apache.avro.AvroRuntimeException avroEqualsBug) {
            // Maps in these records have a single entry, so their encoding does not depend on iteration order.
            return java.util.Arrays.equals(avroBytes(a), avroBytes(expected));
        }
    }

    /** The same data as a {@link org.apache.avro.generic.GenericRecord} (timestamps as epoch millis, as GenericData holds them). */
    public static org.apache.avro.generic.GenericRecord toGeneric(SpecificRecord record) {
        try {
            var reader = new org.apache.avro.generic.GenericDatumReader<org.apache.avro.generic.GenericRecord>(
                    record.getSchema(), record.getSchema(), org.apache.avro.generic.GenericData.get());
            return reader.read(null, org.apache.avro.io.DecoderFactory.get().binaryDecoder(avroBytes(record), null));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Every top-level record type of {@code src/main/avro}. */
    public static List<SpecificRecord> all() {
        return List.of(userEvent(), itemMetadata(), userFeatures(), scoringRequest(), prediction());
    }
}
