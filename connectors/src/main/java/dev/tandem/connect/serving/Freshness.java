package dev.tandem.connect.serving;

/**
 * Which of two predictions for one user is the one to serve: the later {@code request_time}, ties broken by the
 * larger {@code request_id}. A total order on what a prediction carries (never on when a sink happened to see it), so
 * every store, every retry and every replay converges on the same winner: an at-least-once duplicate (same request id)
 * compares equal and is a no-op, and a late-arriving older prediction never overwrites a newer one. The stores apply
 * the same rule inside their atomic write (Redis script, SQL {@code ON CONFLICT ... WHERE}); this is its reference.
 * Request ids compare by code point, which is their UTF-8 byte order: what Redis's Lua and SQL under a binary collation
 * ({@code COLLATE "C"} in PostgreSQL, SQLite's default) compare, unlike {@link String#compareTo} (UTF-16 units).
 */
public final class Freshness {
    private Freshness() {}

    /** Negative when (t1, id1) is older than (t2, id2), zero when the same prediction, positive when newer. */
    public static int compare(long requestTime1, String requestId1, long requestTime2, String requestId2) {
        int byTime = Long.compare(requestTime1, requestTime2);
        return byTime != 0 ? byTime : compareCodePoints(requestId1, requestId2);
    }

    static int compareCodePoints(String a, String b) {
        int i = 0, j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i), cb = b.codePointAt(j);
            if (ca != cb) return Integer.compare(ca, cb);
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    /** Whether a candidate (t, id) should replace what is stored; never for the same prediction again. */
    public static boolean replaces(long requestTime, String requestId, long storedTime, String storedId) {
        return compare(requestTime, requestId, storedTime, storedId) > 0;
    }
}
