package dev.tandem.datasets.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.schemas.Action;
import dev.tandem.schemas.UserEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TaobaoParserTest {
    private final TaobaoParser parser = new TaobaoParser("UserBehavior.csv");

    private UserEvent parse(String line, long lineNumber) throws MalformedLineException {
        byte[] b = ("garbage-before|" + line + "|garbage-after").getBytes(StandardCharsets.UTF_8);
        int from = "garbage-before|".length();
        return parser.parse(b, from, from + line.getBytes(StandardCharsets.UTF_8).length, lineNumber);
    }

    @Test
    void parsesAllFieldsOfAValidLine() throws Exception {
        UserEvent e = parse("999477,2200475,3607361,pv,1511848894", 7);

        assertThat(e.getUserId()).isEqualTo("999477");
        assertThat(e.getItemId()).isEqualTo("2200475");
        assertThat(e.getCategoryId()).isEqualTo("3607361");
        assertThat(e.getAction()).isEqualTo(Action.VIEW);
        assertThat(e.getEventTime()).isEqualTo(Instant.parse("2017-11-28T06:01:34Z"));
        assertThat(e.getEventId()).isEqualTo("taobao:UserBehavior.csv:7");
        assertThat(e.getPrice()).isNull();
        assertThat(e.getSessionId()).isNull();
        assertThat(e.getAttributes()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"pv,VIEW", "cart,CART", "fav,FAVORITE", "buy,PURCHASE"})
    void mapsEveryBehaviour(String behaviour, Action expected) throws Exception {
        assertThat(parse("1,2,3," + behaviour + ",1511848894", 1).getAction()).isEqualTo(expected);
    }

    @Test
    void eventIdsDependOnlyOnFileNameAndLine() throws Exception {
        TaobaoParser other = new TaobaoParser("UserBehavior.csv");
        byte[] line = "5,6,7,buy,1511848894".getBytes(StandardCharsets.UTF_8);

        String first = parser.parse(line, 0, line.length, 42).getEventId();
        String again = other.parse(line, 0, line.length, 42).getEventId();
        String elsewhere =
                new TaobaoParser("other.csv").parse(line, 0, line.length, 42).getEventId();

        assertThat(again).isEqualTo(first);
        assertThat(elsewhere).isNotEqualTo(first);
        assertThat(parser.parse(line, 0, line.length, 43).getEventId()).isNotEqualTo(first);
    }

    @Test
    void reusedUserIdStringsStillCarryTheRightValue() throws Exception {
        assertThat(parse("11,2,3,pv,1511848894", 1).getUserId()).isEqualTo("11");
        assertThat(parse("11,2,3,pv,1511848895", 2).getUserId()).isEqualTo("11");
        assertThat(parse("12,2,3,pv,1511848896", 3).getUserId()).isEqualTo("12");
        assertThat(parse("1,2,3,pv,1511848896", 4).getUserId()).isEqualTo("1");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "1,2,3,pv|expected 5 fields",
                "1,2,3,pv,1511848894,9|expected 5 fields",
                "1;2;3;pv;1511848894|expected 5 fields",
                "x1,2,3,pv,1511848894|user_id is not a number",
                "1,2.5,3,pv,1511848894|item_id is not a number",
                "1,2,,pv,1511848894|category_id is not a number",
                "1,2,3,click,1511848894|unknown behaviour 'click'",
                "1,2,3,PV,1511848894|unknown behaviour 'PV'",
                "1,2,3,pv,15118x8894|timestamp is not a number",
                "1,2,3,pv,-1511848894|timestamp is not a number",
                "1,2,3,pv,1511848894000|out of range",
                "1,2,3,pv,15118|out of range",
                "~1,2,3,pv,1511848894|unterminated quote",
            })
    void rejectsMalformedLinesWithAReason(String line, String reason) {
        String l = line.replace('~', '"');
        assertThatThrownBy(() -> parse(l, 3))
                .isInstanceOf(MalformedLineException.class)
                .hasMessageContaining(reason);
    }

    @Test
    void rejectsAnEmptyLine() {
        assertThatThrownBy(() -> parse("", 3))
                .isInstanceOf(MalformedLineException.class)
                .hasMessageContaining("empty line");
    }
}
