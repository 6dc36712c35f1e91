package dev.tandem.datasets.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.schemas.Action;
import dev.tandem.schemas.UserEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class Rees46ParserTest {
    private static final String HEADER =
            "event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session";

    private static Rees46Parser parserWith(String header) throws InvalidInputException {
        Rees46Parser p = new Rees46Parser("2019-Oct.csv");
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        p.header(h, 0, h.length);
        return p;
    }

    private static UserEvent parse(Rees46Parser p, String line, long n) throws MalformedLineException {
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        return p.parse(b, 0, b.length, n);
    }

    @Test
    void parsesARowOfTheExport() throws Exception {
        UserEvent e = parse(
                parserWith(HEADER),
                "2019-10-01 00:00:04 UTC,view,1004237,2053013555631882655,electronics.smartphone,apple,1081.98,535871217,c6bd7419-0748-4c41-8a8e-5e6a1f8ac4f4",
                2);

        assertThat(e.getEventTime()).isEqualTo(Instant.parse("2019-10-01T00:00:04Z"));
        assertThat(e.getAction()).isEqualTo(Action.VIEW);
        assertThat(e.getItemId()).isEqualTo("1004237");
        assertThat(e.getCategoryId()).isEqualTo("2053013555631882655");
        assertThat(e.getBrand()).isEqualTo("apple");
        assertThat(e.getPrice()).isEqualTo(1081.98);
        assertThat(e.getUserId()).isEqualTo("535871217");
        assertThat(e.getSessionId()).isEqualTo("c6bd7419-0748-4c41-8a8e-5e6a1f8ac4f4");
        assertThat(e.getAttributes()).isEqualTo(Map.of("category_code", "electronics.smartphone"));
        assertThat(e.getEventId()).isEqualTo("rees46:2019-Oct.csv:2");
    }

    @ParameterizedTest
    @CsvSource({"view,VIEW", "cart,CART", "remove_from_cart,REMOVE_FROM_CART", "purchase,PURCHASE"})
    void mapsEveryEventType(String type, Action expected) throws Exception {
        assertThat(parse(parserWith(HEADER), "2019-10-01 00:00:04 UTC," + type + ",1,2,,,1.5,3,", 2)
                        .getAction())
                .isEqualTo(expected);
    }

    @Test
    void emptyOptionalFieldsBecomeNullOrAbsent() throws Exception {
        UserEvent e = parse(parserWith(HEADER), "2019-10-01 00:00:04 UTC,cart,1,2,,,,3,", 2);

        assertThat(e.getBrand()).isNull();
        assertThat(e.getPrice()).isNull();
        assertThat(e.getSessionId()).isNull();
        assertThat(e.getAttributes()).isEmpty();
    }

    @Test
    void readsColumnsByHeaderNameAndQuotedFields() throws Exception {
        Rees46Parser p = parserWith("user_id,event_type,event_time,product_id,category_id,brand");
        UserEvent e = parse(p, "7,purchase,2019-11-30 23:59:59 UTC,11,22,\"acme, \"\"the\"\" best\"", 9);

        assertThat(e.getUserId()).isEqualTo("7");
        assertThat(e.getEventTime()).isEqualTo(Instant.parse("2019-11-30T23:59:59Z"));
        assertThat(e.getBrand()).isEqualTo("acme, \"the\" best");
        assertThat(e.getPrice()).isNull();
    }

    @Test
    void refusesAFileWithoutTheHeader() {
        assertThatThrownBy(() -> parserWith("2019-10-01 00:00:04 UTC,view,1,2,,,1.5,3,"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("line 1")
                .hasMessageContaining("not a REES46 header");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "2019-10-01 00:00:04 UTC,view,1,2,,,1.5,3|expected 9 fields, got 8",
                "2019-10-01 00:00:04 UTC,view,1,2,,,1.5,3,s,extra|expected 9 fields, got 10",
                "2019-10-01T00:00:04Z,view,1,2,,,1.5,3,s|bad event_time",
                "2019-10-01 00:00:04 CET,view,1,2,,,1.5,3,s|bad event_time",
                "2019-02-30 00:00:04 UTC,view,1,2,,,1.5,3,s|bad event_time",
                "2019-10-01 24:00:00 UTC,view,1,2,,,1.5,3,s|bad event_time",
                "2019-10-01 00:00:04 UTC,click,1,2,,,1.5,3,s|unknown event_type 'click'",
                "2019-10-01 00:00:04 UTC,view,abc,2,,,1.5,3,s|product_id is not a number",
                "2019-10-01 00:00:04 UTC,view,1,2,,,1,5,3,s|expected 9 fields",
                "2019-10-01 00:00:04 UTC,view,1,2,,,one,3,s|price is not a number",
                "2019-10-01 00:00:04 UTC,view,1,2,,,-3,3,s|price out of range",
                "2019-10-01 00:00:04 UTC,view,1,2,,,1.5,u3,s|user_id is not a number",
            })
    void rejectsMalformedRowsWithAReason(String line, String reason) throws Exception {
        Rees46Parser p = parserWith(HEADER);
        assertThatThrownBy(() -> parse(p, line, 5))
                .isInstanceOf(MalformedLineException.class)
                .hasMessageContaining(reason);
    }

    @ParameterizedTest
    @ValueSource(strings = {"2019-10-01 00:00:04", "2019-10-01 00:00:04 UTC"})
    void acceptsTheUtcSuffixOrNone(String time) throws Exception {
        assertThat(parse(parserWith(HEADER), time + ",view,1,2,,,1.5,3,s", 2).getEventTime())
                .isEqualTo(Instant.parse("2019-10-01T00:00:04Z"));
    }
}
