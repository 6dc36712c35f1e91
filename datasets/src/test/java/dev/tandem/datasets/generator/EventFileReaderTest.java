package dev.tandem.datasets.generator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.datasets.replay.InvalidInputException;
import dev.tandem.schemas.UserEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventFileReaderTest {
    @Test
    void readsBackWhatTheWriterWrote(@TempDir Path dir) throws Exception {
        SyntheticWorld world = SyntheticWorld.create(GeneratorConfig.of(20, 100, 500, 3));
        Path events = dir.resolve("e.jsonl");
        Path truth = dir.resolve("t.csv");
        List<UserEvent> expected = new ArrayList<>();
        List<GroundTruth> views = new ArrayList<>();
        try (EventFileWriter w = new EventFileWriter(events, EventFileFormat.EVENTS, truth)) {
            for (var it = world.events(); it.hasNext(); ) {
                GeneratedEvent e = it.next();
                w.write(e);
                expected.add(e.toUserEvent());
                if (e.isView()) views.add(e.groundTruth());
            }
        }
        assertThat(EventFileReader.readEvents(events)).isEqualTo(expected);
        Map<String, GroundTruth> t = EventFileReader.readTruth(truth);
        assertThat(t).hasSize(views.size());
        GroundTruth first = t.get(views.get(0).eventId());
        assertThat(first.pCart()).isCloseTo(views.get(0).pCart(), org.assertj.core.data.Offset.offset(1e-6));
    }

    @Test
    void aMalformedLineIsNamed(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.jsonl");
        Files.writeString(f, "{\"event_id\":\"a\",\"user_id\":\"u\",\"item_id\":\"i\",\"category_id\":\"c\",\"action\":\"VIEW\",\"event_time\":\"2017-11-25T00:00:00Z\"}\n"
                + "{\"event_id\":\"b\",\"user_id\":\"u\"\n");
        assertThatThrownBy(() -> EventFileReader.readEvents(f)).isInstanceOf(InvalidInputException.class).hasMessageStartingWith("bad.jsonl line 2: ");
        Files.writeString(f, "{\"event_id\":\"a\",\"user_id\":\"u\",\"item_id\":\"i\",\"category_id\":\"c\",\"action\":\"TELEPORT\",\"event_time\":\"2017-11-25T00:00:00Z\"}\n");
        assertThatThrownBy(() -> EventFileReader.readEvents(f)).hasMessageContaining("line 1: unknown action 'TELEPORT'");
    }
}
