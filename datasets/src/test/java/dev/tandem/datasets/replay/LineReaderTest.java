package dev.tandem.datasets.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LineReaderTest {
    record Line(long number, String text, boolean terminated) {}

    private static List<Line> read(String content, int bufferSize) throws IOException {
        List<Line> lines = new ArrayList<>();
        try (LineReader r =
                new LineReader(new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)), bufferSize)) {
            while (r.next()) {
                lines.add(new Line(
                        r.lineNumber(),
                        new String(r.buffer(), r.start(), r.end() - r.start(), StandardCharsets.UTF_8),
                        r.terminated()));
            }
        }
        return lines;
    }

    @ParameterizedTest(name = "buffer {0}")
    @ValueSource(ints = {16, 17, 23, 64, 1 << 20})
    void splitsLinesWhateverTheBufferSize(int buffer) throws IOException {
        String content =
                "first line\r\nsecond\n\na much longer line that is longer than the smallest buffer\nlast, cut of";

        assertThat(read(content, buffer))
                .containsExactly(
                        new Line(1, "first line", true),
                        new Line(2, "second", true),
                        new Line(3, "", true),
                        new Line(4, "a much longer line that is longer than the smallest buffer", true),
                        new Line(5, "last, cut of", false));
    }

    @Test
    void aFinalNewlineDoesNotMakeAnEmptyLine() throws IOException {
        assertThat(read("a\nb\n", 16)).containsExactly(new Line(1, "a", true), new Line(2, "b", true));
        assertThat(read("", 16)).isEmpty();
    }

    @Test
    void stripsAByteOrderMark() throws IOException {
        assertThat(read("\uFEFFevent_time,x\n1,2\n", 16)).extracting(Line::text).containsExactly("event_time,x", "1,2");
    }

    @Test
    void countsConsumedBytes() throws IOException {
        try (LineReader r =
                new LineReader(new ByteArrayInputStream("ab\ncde\r\nf".getBytes(StandardCharsets.UTF_8)), 16)) {
            r.next();
            assertThat(r.bytesConsumed()).isEqualTo(3);
            r.next();
            assertThat(r.bytesConsumed()).isEqualTo(8);
            r.next();
            assertThat(r.bytesConsumed()).isEqualTo(9);
        }
    }
}
