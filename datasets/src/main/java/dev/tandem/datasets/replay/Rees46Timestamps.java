package dev.tandem.datasets.replay;

/**
 * Parses {@code yyyy-MM-dd HH:mm:ss UTC} (the suffix may be missing, the zone may not be another)
 * straight from bytes to epoch milliseconds. DateTimeFormatter would allocate a parser context
 * and several objects per row for a format this fixed.
 */
final class Rees46Timestamps {
    private Rees46Timestamps() {}

    static long parseMillis(byte[] b, int from, int to) {
        int len = to - from;
        if (len != 19
                && !(len == 23
                        && b[from + 19] == ' '
                        && b[from + 20] == 'U'
                        && b[from + 21] == 'T'
                        && b[from + 22] == 'C')) {
            throw new IllegalArgumentException("length");
        }
        if (b[from + 4] != '-'
                || b[from + 7] != '-'
                || b[from + 10] != ' '
                || b[from + 13] != ':'
                || b[from + 16] != ':') {
            throw new IllegalArgumentException("separators");
        }
        int year = digits(b, from, 4);
        int month = digits(b, from + 5, 2);
        int day = digits(b, from + 8, 2);
        int hour = digits(b, from + 11, 2);
        int minute = digits(b, from + 14, 2);
        int second = digits(b, from + 17, 2);
        if (month < 1
                || month > 12
                || day < 1
                || day > daysInMonth(year, month)
                || hour > 23
                || minute > 59
                || second > 59) {
            throw new IllegalArgumentException("range");
        }
        long days = daysFromCivil(year, month, day);
        return ((days * 24 + hour) * 60 + minute) * 60_000L + second * 1000L;
    }

    private static int digits(byte[] b, int at, int n) {
        int v = 0;
        for (int i = at; i < at + n; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) throw new IllegalArgumentException("digit");
            v = v * 10 + d;
        }
        return v;
    }

    private static int daysInMonth(int year, int month) {
        return switch (month) {
            case 2 -> (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }

    /** Howard Hinnant's days_from_civil: days since 1970-01-01 in the proleptic Gregorian calendar. */
    static long daysFromCivil(int y, int m, int d) {
        y -= m <= 2 ? 1 : 0;
        long era = Math.floorDiv(y, 400);
        long yoe = y - era * 400;
        long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146_097 + doe - 719_468;
    }
}
