package dev.tandem.schemas.topics;

/**
 * Scoring requests the platform sends to ask a running scoring job whether it has read {@code user-features} up to
 * now (the CLI's and the demo's start-up probe): their predictions land on {@code predictions} like any other, but no
 * user was shown them, so the monitoring app must not grade them. Told apart by their request id, which no client of
 * the platform uses otherwise.
 */
public final class ProbeRequests {
    public static final String PREFIX = "tandem-probe-";

    private ProbeRequests() {}

    public static boolean isProbe(String requestId) {
        return requestId != null && requestId.startsWith(PREFIX);
    }
}
