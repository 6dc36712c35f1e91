package dev.tandem.platform.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.schemas.Action;
import dev.tandem.schemas.SequenceEvent;
import dev.tandem.schemas.UserFeatures;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExposureScorerTest {
    static SequenceEvent ev(String item, Action a, long t) {
        return new SequenceEvent(item, "c", a, Instant.ofEpochMilli(t));
    }

    static UserFeatures features(long version, List<SequenceEvent> events) {
        return UserFeatures.newBuilder()
                .setUserId("u")
                .setAsOf(events.get(events.size() - 1).getEventTime())
                .setSequenceVersion(version)
                .setEvents(events)
                .build();
    }

    @Test
    void theEventARecordAddedIsTheOneThePreviousRecordLacks() {
        List<SequenceEvent> one = List.of(ev("i1", Action.VIEW, 10));
        assertThat(ExposureScorer.added(null, features(1, one)))
                .isEqualTo(new ExposureScorer.Key("i1", "c", Action.VIEW, 10));

        // the same view twice at one time: the second record adds the second copy
        List<SequenceEvent> two = List.of(ev("i1", Action.VIEW, 10), ev("i1", Action.VIEW, 10));
        assertThat(ExposureScorer.added(features(1, one), features(2, two)))
                .isEqualTo(new ExposureScorer.Key("i1", "c", Action.VIEW, 10));

        // a full sequence drops its oldest event for the new one, which may sort before others of its time
        List<SequenceEvent> before = new ArrayList<>();
        for (int i = 0; i < 5; i++) before.add(ev("i" + i, Action.VIEW, 100 + i));
        List<SequenceEvent> after = new ArrayList<>(before.subList(1, 5));
        after.add(2, ev("new", Action.CART, 102));
        assertThat(ExposureScorer.added(features(5, before), features(6, after)))
                .isEqualTo(new ExposureScorer.Key("new", "c", Action.CART, 102));

        assertThat(ExposureScorer.added(features(5, before), features(6, before)))
                .as("nothing new (an event dropped at once)")
                .isNull();
    }
}
