package dev.tandem.features.http;

import dev.tandem.schemas.UserFeatures;

/** Where a user's features are: here, on another instance, nowhere, or not knowable right now. */
public interface FeatureLookup {
    Result lookup(String userId);

    sealed interface Result {}

    record Found(UserFeatures features) implements Result {}

    record NotFound() implements Result {}

    /** Owned by the instance at {@code host:port} ({@code application.server}). */
    record Remote(String host, int port) implements Result {}

    /** Not answerable now (rebalancing, restoring, not started): try again later. */
    record Unavailable(String reason) implements Result {}
}
