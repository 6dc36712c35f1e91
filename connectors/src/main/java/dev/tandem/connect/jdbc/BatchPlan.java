package dev.tandem.connect.jdbc;

import dev.tandem.connect.serving.Recommendation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one {@code put()} sends to the store, reduced per user before it reaches SQL: PostgreSQL refuses an upsert that
 * touches one row twice in a statement ("ON CONFLICT DO UPDATE command cannot affect row a second time"), and writing
 * a prediction that a newer one in the same batch replaces anyway is wasted work.
 *
 * <p>Per user, in the batch's (offset) order: a tombstone deletes the row and forgets the user's earlier predictions
 * of the batch; of the predictions after the last tombstone only the newest by {@code Freshness} is upserted. Rows go
 * out sorted by user id so that two tasks writing overlapping users (during a rebalance) lock them in the same order
 * and cannot deadlock. The log, being a log, gets every prediction, except when the user is forgotten (a tombstone
 * with the forget header): then the user's log rows are deleted, and the user's predictions of the batch before the
 * forget are not logged.
 */
final class BatchPlan {
    /** A prediction with its stored JSON, encoded once for both tables. */
    record Row(Recommendation recommendation, String json) {}

    private final Map<String, PerUser> users = new TreeMap<>();
    private final List<Row> log = new ArrayList<>();
    private final List<String> forgotten = new ArrayList<>();
    private int superseded;

    private static final class PerUser {
        boolean delete;
        Row newest;
    }

    void prediction(Recommendation r, String json) {
        Row row = new Row(r, json);
        log.add(row);
        PerUser u = users.computeIfAbsent(r.userId(), k -> new PerUser());
        if (u.newest == null) {
            u.newest = row;
        } else {
            superseded++;
            if (r.replaces(u.newest.recommendation())) u.newest = row;
        }
    }

    void tombstone(String userId) {
        PerUser u = users.computeIfAbsent(userId, k -> new PerUser());
        u.delete = true;
        u.newest = null;
    }

    /** A tombstone that also deletes the user's history. */
    void forget(String userId) {
        tombstone(userId);
        log.removeIf(row -> row.recommendation().userId().equals(userId));
        if (!forgotten.contains(userId)) forgotten.add(userId);
    }

    /** Users whose log rows are deleted (before the batch's log inserts), sorted. */
    List<String> forgotten() {
        return forgotten.stream().sorted().toList();
    }

    /** Users whose row is deleted (before any upsert of the same batch), sorted. */
    List<String> deletes() {
        List<String> out = new ArrayList<>();
        users.forEach((user, u) -> {
            if (u.delete) out.add(user);
        });
        return out;
    }

    /** At most one row per user, sorted by user id. */
    List<Row> upserts() {
        List<Row> out = new ArrayList<>();
        for (PerUser u : users.values()) {
            if (u.newest != null) out.add(u.newest);
        }
        return out;
    }

    /** Every prediction of the batch, in arrival order. */
    List<Row> log() {
        return log;
    }

    /** Predictions of the batch left out of the upserts because another of the same user was as new or newer. */
    int superseded() {
        return superseded;
    }

    boolean isEmpty() {
        return users.isEmpty();
    }
}
