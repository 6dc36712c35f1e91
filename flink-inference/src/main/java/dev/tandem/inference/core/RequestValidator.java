package dev.tandem.inference.core;

import dev.tandem.schemas.Candidate;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.topics.DeadLetterReason;

/** Checks a decoded {@link ScoringRequest} before it is scored: pure Java, no Flink types. */
public final class RequestValidator {
    /** A refused request: why, and the exception recorded in the dead letter's headers. */
    public static final class InvalidRequestException extends RuntimeException {
        private final DeadLetterReason reason;

        public InvalidRequestException(DeadLetterReason reason, String message) {
            super(message);
            this.reason = reason;
        }

        public DeadLetterReason reason() {
            return reason;
        }
    }

    private final int maxIdLength;

    public RequestValidator(int maxIdLength) {
        if (maxIdLength < 1) {
            throw new IllegalArgumentException("maxIdLength must be >= 1, was " + maxIdLength);
        }
        this.maxIdLength = maxIdLength;
    }

    /** @throws InvalidRequestException with the first problem found */
    public void validate(ScoringRequest r) {
        String user = r.getUserId();
        if (user == null || user.isBlank()) {
            throw new InvalidRequestException(
                    DeadLetterReason.MISSING_USER_ID, "request " + r.getRequestId() + " has no user_id");
        }
        checkLength("user_id", user);
        String id = r.getRequestId();
        if (id == null || id.isEmpty()) {
            throw new InvalidRequestException(
                    DeadLetterReason.MISSING_FIELD, "request of user " + abbreviate(user) + " has no request_id");
        }
        checkLength("request_id", id);
        if (r.getCandidates() == null || r.getCandidates().isEmpty()) {
            throw new InvalidRequestException(DeadLetterReason.NO_CANDIDATES, "request " + id + " has no candidates");
        }
        for (Candidate c : r.getCandidates()) {
            String item = c.getItemId();
            if (item == null || item.isEmpty()) {
                throw new InvalidRequestException(
                        DeadLetterReason.MISSING_FIELD, "request " + id + " has a candidate with no item_id");
            }
            checkLength("item_id", item);
        }
        UserFeatures carried = r.getFeatures();
        if (carried != null) {
            if (!user.equals(carried.getUserId())) {
                throw new InvalidRequestException(
                        DeadLetterReason.KEY_MISMATCH,
                        "request " + id + " of user " + abbreviate(user) + " carries the features of user "
                                + abbreviate(String.valueOf(carried.getUserId())));
            }
            if (FeatureUpdates.isTombstone(carried)) {
                throw new InvalidRequestException(
                        DeadLetterReason.MISSING_FIELD, "request " + id + " carries a tombstone instead of features");
            }
        }
    }

    private void checkLength(String field, String value) {
        if (value.length() > maxIdLength) {
            throw new InvalidRequestException(
                    DeadLetterReason.ID_TOO_LONG,
                    field + " of " + value.length() + " chars exceeds " + maxIdLength + ": " + abbreviate(value));
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
