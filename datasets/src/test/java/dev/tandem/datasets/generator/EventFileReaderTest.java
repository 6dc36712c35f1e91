package dev.tandem.datasets.generator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.datasets.replay.EventFiles;
import dev.tandem.datasets.replay.InvalidInputException;
import dev.tandem.datasets.replay.MalformedLine;
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
        Files.writeString(
                f,
                "{\"event_id\":\"a\",\"user_id\":\"u\",\"item_id\":\"i\",\"category_id\":\"c\",\"action\":\"VIEW\",\"event_time\":\"2017-11-25T00:00:00Z\"}\n"
                        + "{\"event_id\":\"b\",\"user_id\":\"u\"\n");
        assertThatThrownBy(() -> EventFileReader.readEvents(f))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("bad.jsonl line 2: ");
        Files.writeString(
                f,
                "{\"event_id\":\"a\",\"user_id\":\"u\",\"item_id\":\"i\",\"category_id\":\"c\",\"action\":\"TELEPORT\",\"event_time\":\"2017-11-25T00:00:00Z\"}\n");
        assertThatThrownBy(() -> EventFileReader.readEvents(f))
                .hasMessageContaining("line 1: unknown action 'TELEPORT'");
    }

    @Test
    void malformedLinesAreCountedWithTheirNumbersAndSkippedUnlessStrict(@TempDir Path dir) throws Exception {
        String good =
                "{\"event_id\":\"a\",\"user_id\":\"u\",\"item_id\":\"i\",\"category_id\":\"c\",\"action\":\"VIEW\",\"event_time\":\"2017-11-25T00:00:00Z\"}";
        Path f = dir.resolve("cut.jsonl");
        // line 2 is not JSON; line 4, the last, was cut off mid-write (no newline)
        Files.writeString(f, good + "\nnot json\n\n" + good.replace("\"a\"", "\"b\"") + "\n" + good.substring(0, 30));

        EventFiles.Loaded loaded = EventFileReader.readEvents(f, false);

        assertThat(loaded.events()).extracting(UserEvent::getEventId).containsExactly("a", "b");
        assertThat(loaded.result().rowsRead()).isEqualTo(4);
        assertThat(loaded.result().malformedLines()).isEqualTo(2);
        assertThat(loaded.result().firstMalformed())
                .extracting(MalformedLine::lineNumber)
                .containsExactly(2L, 5L);
        assertThat(loaded.result().firstMalformed().get(1).reason())
                .startsWith("last line is cut off (no newline at end of file): ");
        assertThatThrownBy(() -> EventFileReader.readEvents(f, true))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("cut.jsonl line 2: ");
    }
}
