package dev.tandem.schemas.topics;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * "Forget this user": a null-valued record keyed by the user id that carries the header {@link #HEADER}. Sent on
 * {@link TandemTopics#EVENTS} by {@code tandem forget}; the features app passes it on as the header of its
 * {@code user-features} tombstone, and the scoring job as the header of a {@code predictions} tombstone. The header is
 * what tells a forget from the other tombstones of those topics (a user expired by the features app's TTL keeps its
 * serving-store prediction; a forgotten one does not), so every module tests for it here and nowhere else.
 */
public final class ForgetSignal {
    public static final String HEADER = "tandem.forget";
    private static final byte[] VALUE = "1".getBytes(StandardCharsets.UTF_8);

    private ForgetSignal() {}

    /** Marks {@code headers} as a forget (once, however often called). */
    public static Headers mark(Headers headers) {
        if (!isForget(headers)) headers.add(HEADER, VALUE.clone());
        return headers;
    }

    /** Whether the headers mark a forget: the header present, whatever its value. */
    public static boolean isForget(Headers headers) {
        if (headers == null) return false;
        Header h = headers.lastHeader(HEADER);
        return h != null;
    }
}
