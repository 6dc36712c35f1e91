package dev.tandem.datasets.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.schemas.UserEvent;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplayerTest {
    static final class ListSink implements EventSink {
        final List<String> keys = new ArrayList<>();
        final List<UserEvent> events = new ArrayList<>();
        int flushes;

        @Override
        public void send(String key, UserEvent event) {
            keys.add(key);
            events.add(event);
        }

        @Override
        public void flush() {
            flushes++;
        }

        @Override
        public void close() {}
    }

    private static ReplayResult replay(
            Replayer.Options options, String content, ListSink sink, List<MalformedLine> reported) throws Exception {
        return new Replayer(options)
                .replay(
                        new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)),
                        "f.csv",
                        sink,
                        new ReplayListener() {
                            @Override
                            public void malformed(MalformedLine line) {
                                reported.add(line);
                            }
                        });
    }

    @Test
    void sendsGoodRowsKeyedByUserAndReportsEveryBadOneWithItsLineNumber() throws Exception {
        String content = String.join(
                "\n",
                "1,10,100,pv,1511848894",
                "2,20,200,click,1511848895",
                "3,30,300,cart,1511848896",
                "",
                "4,40,400,buy,x",
                "5,50,500,fav,1511848897",
                "6,60,6");
        ListSink sink = new ListSink();
        List<MalformedLine> reported = new ArrayList<>();

        ReplayResult r = replay(Replayer.Options.fastest(CsvFormat.TAOBAO), content, sink, reported);

        assertThat(r.rowsRead()).isEqualTo(7);
        assertThat(r.eventsSent()).isEqualTo(3);
        assertThat(r.malformedLines()).isEqualTo(4);
        assertThat(sink.keys).containsExactly("1", "3", "5");
        assertThat(sink.events)
                .extracting(UserEvent::getEventId)
                .containsExactly("taobao:f.csv:1", "taobao:f.csv:3", "taobao:f.csv:6");
        assertThat(reported).extracting(MalformedLine::lineNumber).containsExactly(2L, 4L, 5L, 7L);
        assertThat(r.firstMalformed()).isEqualTo(reported);
        assertThat(reported.get(3).reason()).startsWith("last line is cut off").contains("expected 5 fields");
        assertThat(reported.get(0).reason()).doesNotContain("cut off");
        assertThat(sink.flushes).isPositive();
    }

    @Test
    void aCompleteLastLineWithoutNewlineIsAnEvent() throws Exception {
        ListSink sink = new ListSink();
        ReplayResult r = replay(
                Replayer.Options.fastest(CsvFormat.TAOBAO),
                "1,10,100,pv,1511848894\n2,20,200,pv,1511848895",
                sink,
                new ArrayList<>());

        assertThat(r.eventsSent()).isEqualTo(2);
        assertThat(r.malformedLines()).isZero();
    }

    @Test
    void strictStopsAtTheFirstMalformedLineNamingIt() {
        ListSink sink = new ListSink();
        String content =
                "1,10,100,pv,1511848894\n2,20,200,pv,1511848895\n3,30,300,look,1511848896\n4,40,400,pv,1511848897\n";

        assertThatThrownBy(() ->
                        replay(new Replayer.Options(CsvFormat.TAOBAO, 0, true, 0), content, sink, new ArrayList<>()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("line 3")
                .hasMessageContaining("unknown behaviour 'look'");
        assertThat(sink.events).hasSize(2);
    }

    @Test
    void limitCountsDataRowsNotTheHeader() throws Exception {
        String content = Rees46Parser.HEADER + "\n"
                + "2019-10-01 00:00:04 UTC,view,1,2,,,1.5,3,s\n"
                + "2019-10-01 00:00:05 UTC,cart,1,2,,,1.5,3,s\n"
                + "2019-10-01 00:00:06 UTC,purchase,1,2,,,1.5,3,s\n";
        ListSink sink = new ListSink();

        ReplayResult r = replay(new Replayer.Options(CsvFormat.REES46, 0, false, 2), content, sink, new ArrayList<>());

        assertThat(r.rowsRead()).isEqualTo(2);
        assertThat(sink.events).extracting(UserEvent::getEventId).containsExactly("rees46:f.csv:2", "rees46:f.csv:3");
    }

    @Test
    void keepsOnlyTheFirstMalformedLinesButCountsAll() throws Exception {
        StringBuilder content = new StringBuilder();
        for (int i = 0; i < Replayer.KEPT_MALFORMED + 15; i++)
            content.append("bad line ").append(i).append('\n');
        ListSink sink = new ListSink();

        ReplayResult r =
                replay(Replayer.Options.fastest(CsvFormat.TAOBAO), content.toString(), sink, new ArrayList<>());

        assertThat(r.malformedLines()).isEqualTo(Replayer.KEPT_MALFORMED + 15);
        assertThat(r.firstMalformed()).hasSize(Replayer.KEPT_MALFORMED);
    }

    @Test
    void aRees46FileWithoutHeaderIsRejectedAsAWhole() {
        assertThatThrownBy(() -> replay(
                        Replayer.Options.fastest(CsvFormat.REES46),
                        "1,10,100,pv,1511848894\n",
                        new ListSink(),
                        new ArrayList<>()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("not a REES46 header");
    }
}
