package dev.tandem.model.data;

import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.schemas.Action;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the Taobao UserBehavior CSV ({@code user_id,item_id,category_id,behavior,timestamp}, behaviours
 * pv / cart / fav / buy, Unix seconds) into {@link LoggedEvent}s, with the event ids the platform's
 * replay gives them ({@code taobao:<source>:<line>}). A stop-gap for the model's own {@code main}: the
 * {@code tandem train} CLI will feed the platform's parsers instead.
 */
public final class TaobaoCsv {
    private TaobaoCsv() {
    }

    /** @throws IllegalArgumentException naming the line of a malformed row */
    public static List<LoggedEvent> read(Path file) throws IOException {
        String source = file.getFileName().toString();
        List<LoggedEvent> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            long n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split(",", -1);
                if (f.length != 5) {
                    throw new IllegalArgumentException(file + " line " + n + ": expected 5 fields (user_id,item_id,category_id,behavior,timestamp), got " + f.length);
                }
                Action a = switch (f[3]) {
                    case "pv" -> Action.VIEW;
                    case "cart" -> Action.CART;
                    case "fav" -> Action.FAVORITE;
                    case "buy" -> Action.PURCHASE;
                    default -> throw new IllegalArgumentException(file + " line " + n + ": unknown behaviour '" + f[3] + "' (expected pv, cart, fav or buy)");
                };
                long seconds;
                try {
                    seconds = Long.parseLong(f[4]);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(file + " line " + n + ": timestamp is not a number: '" + f[4] + "'");
                }
                for (int i = 0; i < 3; i++) {
                    if (f[i].isEmpty()) {
                        throw new IllegalArgumentException(file + " line " + n + ": field " + (i + 1) + " is empty");
                    }
                }
                out.add(new LoggedEvent(f[0], new BehaviourEvent("taobao:" + source + ":" + n, f[1], f[2], a, seconds * 1000), null, null));
            }
        }
        return out;
    }
}
