package dev.tandem.inference.core;

import dev.tandem.schemas.UserFeatures;
import java.time.Instant;

/**
 * Which {@link UserFeatures} a user's state keeps: the newest by {@code as_of} (then by
 * {@code sequence_version}); an older update arriving late is ignored. A tombstone (the compacted
 * topic's null value) clears the state; in a stream of records it is represented by
 * {@link #tombstone(String)} (sequence_version −1), and a forgotten user's tombstone (one with the forget header) by
 * {@link #forget(String)} (sequence_version −2): both clear the state, a forget also deletes the user's predictions
 * downstream.
 */
public final class FeatureUpdates {
    public static final long TOMBSTONE_VERSION = -1L;
    public static final long FORGET_VERSION = -2L;

    private FeatureUpdates() {}

    public static UserFeatures tombstone(String userId) {
        return UserFeatures.newBuilder()
                .setUserId(userId)
                .setAsOf(Instant.EPOCH)
                .setSequenceVersion(TOMBSTONE_VERSION)
                .build();
    }

    public static UserFeatures forget(String userId) {
        return UserFeatures.newBuilder()
                .setUserId(userId)
                .setAsOf(Instant.EPOCH)
                .setSequenceVersion(FORGET_VERSION)
                .build();
    }

    /** A tombstone of either kind: the state is cleared. */
    public static boolean isTombstone(UserFeatures f) {
        return f.getSequenceVersion() == TOMBSTONE_VERSION || f.getSequenceVersion() == FORGET_VERSION;
    }

    /** A forgotten user's tombstone: the state is cleared and a {@code predictions} tombstone goes out. */
    public static boolean isForget(UserFeatures f) {
        return f.getSequenceVersion() == FORGET_VERSION;
    }

    /** The state after {@code incoming}; null means "no features". */
    public static UserFeatures merge(UserFeatures current, UserFeatures incoming) {
        if (isTombstone(incoming)) {
            return null;
        }
        if (current == null) {
            return incoming;
        }
        int c = incoming.getAsOf().compareTo(current.getAsOf());
        if (c > 0 || (c == 0 && incoming.getSequenceVersion() >= current.getSequenceVersion())) {
            return incoming;
        }
        return current;
    }

    /**
     * Whether {@code incoming} (not a tombstone) replaces a state holding features of
     * {@code currentAsOfMs} / {@code currentSequenceVersion}: the same rule as {@link #merge}, for the
     * join's encoded state (as_of is timestamp-millis, so millis lose nothing).
     */
    public static boolean replaces(UserFeatures incoming, long currentAsOfMs, long currentSequenceVersion) {
        long a = incoming.getAsOf().toEpochMilli();
        return a > currentAsOfMs || (a == currentAsOfMs && incoming.getSequenceVersion() >= currentSequenceVersion);
    }
}
