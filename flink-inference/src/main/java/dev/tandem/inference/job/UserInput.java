package dev.tandem.inference.job;

import dev.tandem.inference.core.RawRecord;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.UserFeatures;

/**
 * A request (decoded, or {@link #rawRequest raw} as {@link RequestRouter} sends it, decoded by the join) or a features
 * update of one user: the keyed input of the join (a Flink POJO).
 */
public final class UserInput {
    public String userId;
    public ScoringRequest request;
    public UserFeatures features;
    /** A scoring request's record as read, its user id already in {@link #userId}. */
    public RawRecord rawRequest;

    public UserInput() {}

    public static UserInput of(ScoringRequest r) {
        UserInput u = new UserInput();
        u.userId = r.getUserId();
        u.request = r;
        return u;
    }

    public static UserInput ofRaw(String userId, RawRecord request) {
        UserInput u = new UserInput();
        u.userId = userId;
        u.rawRequest = request;
        return u;
    }

    public static UserInput of(UserFeatures f) {
        UserInput u = new UserInput();
        u.userId = f.getUserId();
        u.features = f;
        return u;
    }

    public String getUserId() {
        return userId;
    }
}
