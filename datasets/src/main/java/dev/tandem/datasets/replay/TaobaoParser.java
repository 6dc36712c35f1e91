package dev.tandem.datasets.replay;

import dev.tandem.schemas.Action;
import dev.tandem.schemas.UserEvent;
import java.time.Instant;
import java.util.Map;

/**
 * The Taobao UserBehavior dump (Alibaba Tianchi): no header,
 * {@code user_id,item_id,category_id,behavior,unix_ts} with behaviours {@code pv|cart|fav|buy}.
 * Timestamps are Unix seconds; values outside [2000-01-01, 2100-01-01) are rejected because
 * they are what a cut-off number or a milliseconds column looks like.
 */
public final class TaobaoParser implements RowParser {
    static final long MIN_SECONDS = 946_684_800L; // 2000-01-01T00:00:00Z
    static final long MAX_SECONDS = 4_102_444_800L; // 2100-01-01T00:00:00Z

    private final CsvFields f = new CsvFields();
    private final String idPrefix;
    // The dump is sorted by user: reusing the previous line's user id String saves most of those allocations.
    private String lastUser;
    private String lastCategory;

    /** @param sourceName the file name, part of every event id ({@code taobao:<name>:<line>}) */
    public TaobaoParser(String sourceName) {
        this.idPrefix = "taobao:" + sourceName + ":";
    }

    @Override
    public boolean hasHeader() {
        return false;
    }

    @Override
    public void header(byte[] line, int from, int to) {
        throw new UnsupportedOperationException("the Taobao format has no header");
    }

    @Override
    public UserEvent parse(byte[] line, int from, int to, long lineNumber) throws MalformedLineException {
        if (from == to) throw new MalformedLineException("empty line");
        if (!f.split(line, from, to)) throw new MalformedLineException("unterminated quote");
        if (f.count() != 5) {
            throw new MalformedLineException(
                    "expected 5 fields (user_id,item_id,category_id,behavior,timestamp), got " + f.count());
        }
        if (!f.isDigits(0)) throw new MalformedLineException("user_id is not a number: " + f.quote(0));
        if (!f.isDigits(1)) throw new MalformedLineException("item_id is not a number: " + f.quote(1));
        if (!f.isDigits(2)) throw new MalformedLineException("category_id is not a number: " + f.quote(2));
        Action action = behaviour();
        if (!f.isUnsignedNumber(4)) throw new MalformedLineException("timestamp is not a number: " + f.quote(4));
        long seconds = f.unsignedLong(4);
        if (seconds < MIN_SECONDS || seconds >= MAX_SECONDS) {
            throw new MalformedLineException(
                    "timestamp " + seconds + " out of range (Unix seconds from 2000 to 2100 expected)");
        }
        String user = f.sameAs(0, lastUser) ? lastUser : (lastUser = f.ascii(0));
        String category = f.sameAs(2, lastCategory) ? lastCategory : (lastCategory = f.ascii(2));
        return new UserEvent(
                idPrefix + lineNumber,
                user,
                f.ascii(1),
                category,
                action,
                Instant.ofEpochSecond(seconds),
                null,
                null,
                null,
                Map.of());
    }

    private Action behaviour() throws MalformedLineException {
        int len = f.end(3) - f.start(3);
        if (len == 2 && f.equalsAscii(3, "pv")) return Action.VIEW;
        if (len == 3) {
            if (f.equalsAscii(3, "buy")) return Action.PURCHASE;
            if (f.equalsAscii(3, "fav")) return Action.FAVORITE;
        }
        if (len == 4 && f.equalsAscii(3, "cart")) return Action.CART;
        throw new MalformedLineException("unknown behaviour " + f.quote(3) + " (expected pv, cart, fav or buy)");
    }

    /** The behaviour column for an action, for writers of this format; null if the format can't say it. */
    public static String behaviourOf(Action action) {
        return switch (action) {
            case VIEW -> "pv";
            case CART -> "cart";
            case FAVORITE -> "fav";
            case PURCHASE -> "buy";
            default -> null;
        };
    }

    public static String eventId(String sourceName, long lineNumber) {
        return "taobao:" + sourceName + ":" + lineNumber;
    }
}
