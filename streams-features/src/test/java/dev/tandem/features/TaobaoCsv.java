package dev.tandem.features;

import dev.tandem.schemas.Action;
import dev.tandem.schemas.UserEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Test-only reader of the Taobao UserBehavior CSV ({@code user,item,category,pv|cart|fav|buy,epoch seconds})
 * into {@code UserEvent}s with event ids {@code taobao:<file name>:<line>} (1-based).
 */
public final class TaobaoCsv {
    public static final String SHARED_FILE = "taobao-userbehavior-114users.csv";

    private TaobaoCsv() {
    }

    /** {@code ../shared/data/<file>} next to the repository root (the top-most dir with a pom.xml above user.dir). */
    public static Path sharedData(String file) {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        Path root = null;
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("pom.xml"))) root = p;
        }
        Path base = root == null ? dir : root;
        return base.resolveSibling("shared").resolve("data").resolve(file).normalize();
    }

    public static List<UserEvent> read(Path csv) {
        String name = csv.getFileName().toString();
        List<UserEvent> out = new ArrayList<>();
        try {
            List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).trim();
                if (line.isEmpty()) continue;
                String[] f = line.split(",");
                if (f.length != 5) throw new IllegalArgumentException(name + ":" + (i + 1) + ": expected 5 fields: " + line);
                out.add(UserEvent.newBuilder()
                        .setEventId("taobao:" + name + ":" + (i + 1))
                        .setUserId(f[0]).setItemId(f[1]).setCategoryId(f[2])
                        .setAction(action(f[3]))
                        .setEventTime(Instant.ofEpochSecond(Long.parseLong(f[4])))
                        .build());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static Action action(String behaviour) {
        return switch (behaviour) {
            case "pv" -> Action.VIEW;
            case "cart" -> Action.CART;
            case "fav" -> Action.FAVORITE;
            case "buy" -> Action.PURCHASE;
            default -> throw new IllegalArgumentException("unknown Taobao behaviour '" + behaviour + "'");
        };
    }
}
