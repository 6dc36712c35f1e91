package dev.tandem.datasets.replay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.schemas.Action;
import dev.tandem.schemas.UserEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class EventSinkTest {
    @Test
    void aSinkOverASharedProducerSendsAndFlushesThroughItAndClosingLeavesItAlone() {
        List<String> sent = new ArrayList<>();
        AtomicInteger flushes = new AtomicInteger();
        UserEvent event = UserEvent.newBuilder()
                .setEventId("e1")
                .setUserId("u1")
                .setItemId("i1")
                .setCategoryId("c1")
                .setAction(Action.VIEW)
                .setEventTime(Instant.EPOCH)
                .setAttributes(Map.of())
                .build();

        try (EventSink sink =
                EventSink.of((key, e) -> sent.add(key + ":" + e.getEventId()), flushes::incrementAndGet)) {
            sink.send("u1", event);
            sink.flush();
        }

        assertThat(sent).containsExactly("u1:e1");
        assertThat(flushes).hasValue(1);
    }
}
