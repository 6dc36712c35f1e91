package dev.tandem.schemas.topics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class DeadLetterHeadersTest {

    @Test
    void addsTheSixHeadersInOrderAfterTheExistingOnes() {
        Headers h = new RecordHeaders();
        h.add("trace", "t-1".getBytes(StandardCharsets.UTF_8));
        Headers out = DeadLetterHeaders.add(
                h, "events", 3, 42L, "java.lang.IllegalArgumentException", "bad é", "missing-field");
        assertSame(h, out);
        List<String> names = Arrays.stream(h.toArray()).map(Header::key).toList();
        assertEquals(
                List.of(
                        "trace",
                        "tandem.dlq.topic",
                        "tandem.dlq.partition",
                        "tandem.dlq.offset",
                        "tandem.dlq.error.class",
                        "tandem.dlq.error.message",
                        "tandem.dlq.reason"),
                names);
        assertEquals("events", value(h, DeadLetterHeaders.TOPIC));
        assertEquals("3", value(h, DeadLetterHeaders.PARTITION));
        assertEquals("42", value(h, DeadLetterHeaders.OFFSET));
        assertEquals("java.lang.IllegalArgumentException", value(h, DeadLetterHeaders.ERROR_CLASS));
        assertEquals("bad é", value(h, DeadLetterHeaders.ERROR_MESSAGE));
        assertEquals("missing-field", value(h, DeadLetterHeaders.REASON));
    }

    @Test
    void unknownPositionAndNullValuesAreWrittenAsText() {
        Headers h = DeadLetterHeaders.add(new RecordHeaders(), null, -1, -1L, "E", null, "null-value");
        assertEquals("null", value(h, DeadLetterHeaders.TOPIC));
        assertEquals("-1", value(h, DeadLetterHeaders.PARTITION));
        assertEquals("-1", value(h, DeadLetterHeaders.OFFSET));
        assertEquals("null", value(h, DeadLetterHeaders.ERROR_MESSAGE));
    }

    @Test
    void messagesAreCutAtTheLimitWithAnEllipsis() {
        String exact = "x".repeat(DeadLetterHeaders.MAX_MESSAGE_CHARS);
        assertEquals(exact, DeadLetterHeaders.truncate(exact));
        assertEquals(exact + "…", DeadLetterHeaders.truncate(exact + "yz"));
        assertEquals("null", DeadLetterHeaders.truncate(null));
        assertEquals("boom", DeadLetterHeaders.messageOf(new IllegalStateException("boom")));
        assertEquals("null", DeadLetterHeaders.messageOf(new NullPointerException()));
        assertEquals(1_000, DeadLetterHeaders.MAX_MESSAGE_CHARS);
    }

    /** The codes are the wire contract of the topic: consumers filter and count by them. */
    @Test
    void reasonCodesAreStableAndDistinct() {
        Map<String, String> codes = Arrays.stream(DeadLetterReason.values())
                .collect(Collectors.toMap(Enum::name, DeadLetterReason::code, (a, b) -> a, LinkedHashMap::new));
        assertEquals(
                Map.ofEntries(
                        Map.entry("DESERIALIZATION", "deserialization"),
                        Map.entry("NULL_VALUE", "null-value"),
                        Map.entry("MISSING_USER_ID", "missing-user-id"),
                        Map.entry("KEY_MISMATCH", "key-mismatch"),
                        Map.entry("MISSING_FIELD", "missing-field"),
                        Map.entry("ID_TOO_LONG", "id-too-long"),
                        Map.entry("FUTURE_EVENT_TIME", "future-event-time"),
                        Map.entry("UNKNOWN_ACTION", "unknown-action"),
                        Map.entry("INVALID_EVENT", "invalid-event"),
                        Map.entry("NO_CANDIDATES", "no-candidates"),
                        Map.entry("MODEL_REFUSED", "model-refused"),
                        Map.entry("INVALID_MODEL_COMMAND", "invalid-model-command"),
                        Map.entry("DEADLINE", "deadline")),
                codes);
        assertEquals(codes.size(), new HashSet<>(codes.values()).size());
    }

    private static String value(Headers h, String key) {
        return new String(h.lastHeader(key).value(), StandardCharsets.UTF_8);
    }
}
