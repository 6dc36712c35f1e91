package dev.tandem.features.streams;

import dev.tandem.features.sequence.BehaviourSequence;
import dev.tandem.schemas.UserFeatures;
import java.util.Arrays;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code user-features} value of a sequence, in the wire format of the topic's serializer, written straight from
 * the sequence's arrays ({@link BehaviourSequence#userFeaturesAvro}) instead of building a {@link UserFeatures} and
 * letting Avro's generic writer walk it: about a quarter of the stream thread's CPU per event went into those two.
 *
 * <p>The direct path is trusted only after it has produced, for the first {@value #VERIFY_RECORDS} records, exactly
 * the bytes the configured serializer produces for {@link BehaviourSequence#toUserFeatures} (which also gives it the
 * serializer's 5-byte wire-format header: magic byte and schema id). If they ever differ (a changed schema, a
 * serializer that converts to a newer registered schema, a non-wire-format serializer) the writer logs it once and
 * uses the serializer for good. One instance per task (not thread-safe).
 */
public final class UserFeaturesWriter {
    private static final Logger LOG = LoggerFactory.getLogger(UserFeaturesWriter.class);
    static final int VERIFY_RECORDS = 32;
    private static final int HEADER = 5;

    private final Serializer<UserFeatures> serializer;
    private final String topic;
    private byte[] header;
    private int verified;
    private boolean direct = true;

    public UserFeaturesWriter(Serializer<UserFeatures> serializer, String topic) {
        this.serializer = Objects.requireNonNull(serializer, "serializer");
        this.topic = Objects.requireNonNull(topic, "topic");
    }

    public byte[] write(String userId, BehaviourSequence seq) {
        if (direct && verified >= VERIFY_RECORDS) {
            return seq.userFeaturesAvro(header, userId);
        }
        byte[] expected = serializer.serialize(topic, seq.toUserFeatures(userId));
        if (direct) {
            if (header == null && expected != null && expected.length > HEADER && expected[0] == 0) {
                header = Arrays.copyOf(expected, HEADER);
            }
            if (header != null && Arrays.equals(expected, seq.userFeaturesAvro(header, userId))) {
                verified++;
            } else {
                direct = false;
                LOG.warn(
                        "user-features: the direct Avro writer differs from the serializer on topic '{}'; using the serializer",
                        topic);
            }
        }
        return expected;
    }

    /** Whether records are now written without the serializer (tests). */
    boolean isDirect() {
        return direct && verified >= VERIFY_RECORDS;
    }
}
