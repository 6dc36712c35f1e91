package dev.tandem.datasets.replay;

import dev.tandem.schemas.Action;
import dev.tandem.schemas.UserEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The REES46 "eCommerce behavior data from multi category store" export: a header
 * {@code event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session},
 * times like {@code 2019-10-01 00:00:04 UTC}, types {@code view|cart|remove_from_cart|purchase}.
 * Columns are found by header name, so a reordered export still works; category_code, brand,
 * price and user_session may be empty (and their columns absent).
 */
public final class Rees46Parser implements RowParser {
    static final List<String> REQUIRED = List.of("event_time", "event_type", "product_id", "category_id", "user_id");
    static final String HEADER =
            "event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session";

    private final CsvFields f = new CsvFields();
    private final String idPrefix;
    private int columns = -1;
    private int time, type, product, category, categoryCode = -1, brand = -1, price = -1, user, session = -1;

    public Rees46Parser(String sourceName) {
        this.idPrefix = "rees46:" + sourceName + ":";
    }

    @Override
    public boolean hasHeader() {
        return true;
    }

    @Override
    public void header(byte[] line, int from, int to) throws InvalidInputException {
        String text = new String(line, from, to - from, StandardCharsets.UTF_8).trim();
        if (!f.split(line, from, to)) throw new InvalidInputException("line 1: unreadable REES46 header: " + text);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < f.count(); i++) names.add(f.string(i).trim().toLowerCase(java.util.Locale.ROOT));
        List<String> missing = new ArrayList<>();
        for (String r : REQUIRED) if (!names.contains(r)) missing.add(r);
        if (!missing.isEmpty()) {
            throw new InvalidInputException(
                    "line 1: not a REES46 header (missing " + String.join(", ", missing) + "); expected " + HEADER);
        }
        columns = names.size();
        time = names.indexOf("event_time");
        type = names.indexOf("event_type");
        product = names.indexOf("product_id");
        category = names.indexOf("category_id");
        user = names.indexOf("user_id");
        categoryCode = names.indexOf("category_code");
        brand = names.indexOf("brand");
        price = names.indexOf("price");
        session = names.indexOf("user_session");
    }

    @Override
    public UserEvent parse(byte[] line, int from, int to, long lineNumber) throws MalformedLineException {
        if (columns < 0) throw new IllegalStateException("header() first");
        if (from == to) throw new MalformedLineException("empty line");
        if (!f.split(line, from, to)) throw new MalformedLineException("unterminated quote");
        if (f.count() != columns) throw new MalformedLineException("expected " + columns + " fields, got " + f.count());
        long millis;
        try {
            millis = Rees46Timestamps.parseMillis(line, f.start(time), f.end(time));
        } catch (IllegalArgumentException e) {
            throw new MalformedLineException("bad event_time " + f.quote(time) + " (expected yyyy-MM-dd HH:mm:ss UTC)");
        }
        Action action = action();
        if (!f.isDigits(product)) throw new MalformedLineException("product_id is not a number: " + f.quote(product));
        if (!f.isDigits(category))
            throw new MalformedLineException("category_id is not a number: " + f.quote(category));
        if (!f.isDigits(user)) throw new MalformedLineException("user_id is not a number: " + f.quote(user));
        Double p = null;
        if (price >= 0 && !f.isEmpty(price)) {
            try {
                p = Double.parseDouble(f.ascii(price));
            } catch (NumberFormatException e) {
                throw new MalformedLineException("price is not a number: " + f.quote(price));
            }
            if (p.isNaN() || p.isInfinite() || p < 0)
                throw new MalformedLineException("price out of range: " + f.quote(price));
        }
        Map<String, String> attributes = categoryCode >= 0 && !f.isEmpty(categoryCode)
                ? Map.of("category_code", f.string(categoryCode))
                : Map.of();
        return new UserEvent(
                idPrefix + lineNumber,
                f.ascii(user),
                f.ascii(product),
                f.ascii(category),
                action,
                Instant.ofEpochMilli(millis),
                p,
                optional(brand),
                optional(session),
                attributes);
    }

    private String optional(int column) {
        return column >= 0 && !f.isEmpty(column) ? f.string(column) : null;
    }

    private Action action() throws MalformedLineException {
        if (f.equalsAscii(type, "view")) return Action.VIEW;
        if (f.equalsAscii(type, "cart")) return Action.CART;
        if (f.equalsAscii(type, "purchase")) return Action.PURCHASE;
        if (f.equalsAscii(type, "remove_from_cart")) return Action.REMOVE_FROM_CART;
        throw new MalformedLineException(
                "unknown event_type " + f.quote(type) + " (expected view, cart, remove_from_cart or purchase)");
    }
}
