package dev.tandem.inference.job;

import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.UserFeatures;

/** Either a request or a features update of one user: the keyed input of the join (a Flink POJO). */
public final class UserInput {
    public String userId;
    public ScoringRequest request;
    public UserFeatures features;

    public UserInput() {
    }

    public static UserInput of(ScoringRequest r) {
        UserInput u = new UserInput();
        u.userId = r.getUserId();
        u.request = r;
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
