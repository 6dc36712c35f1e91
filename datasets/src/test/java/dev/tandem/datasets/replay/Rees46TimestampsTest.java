package dev.tandem.datasets.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Rees46TimestampsTest {
    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'");

    @Test
    void agreesWithJavaTimeOnRandomInstantsFrom1970To2099() {
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < 20_000; i++) {
            long seconds = rnd.nextLong(0, 4_102_444_800L);
            LocalDateTime t = LocalDateTime.ofEpochSecond(seconds, 0, ZoneOffset.UTC);
            byte[] text = FORMAT.format(t).getBytes(StandardCharsets.US_ASCII);

            assertThat(Rees46Timestamps.parseMillis(text, 0, text.length))
                    .as(FORMAT.format(t))
                    .isEqualTo(seconds * 1000);
        }
    }

    @Test
    void leapDays() {
        byte[] leap = "2020-02-29 12:00:00 UTC".getBytes(StandardCharsets.US_ASCII);
        byte[] notLeap = "2019-02-29 12:00:00 UTC".getBytes(StandardCharsets.US_ASCII);
        byte[] century = "2100-02-29 12:00:00 UTC".getBytes(StandardCharsets.US_ASCII);

        assertThat(Rees46Timestamps.parseMillis(leap, 0, leap.length))
                .isEqualTo(LocalDateTime.of(2020, 2, 29, 12, 0)
                        .toInstant(ZoneOffset.UTC)
                        .toEpochMilli());
        assertThatThrownBy(() -> Rees46Timestamps.parseMillis(notLeap, 0, notLeap.length))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Rees46Timestamps.parseMillis(century, 0, century.length))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "2019-10-01",
                "2019-13-01 00:00:00 UTC",
                "2019-10-00 00:00:00 UTC",
                "2019-10-01 00:60:00 UTC",
                "2019-10-01 00:00:61 UTC",
                "2019/10/01 00:00:00 UTC",
                "2019-10-01 00:00:00 GMT",
                "2019-1O-01 00:00:00 UTC"
            })
    void rejectsInvalidTimes(String text) {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> Rees46Timestamps.parseMillis(b, 0, b.length))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
