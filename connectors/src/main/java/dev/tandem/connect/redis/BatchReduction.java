package dev.tandem.connect.redis;

import dev.tandem.connect.serving.Recommendation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One {@code put} batch reduced to at most one write per user before anything reaches Redis: the newest prediction by
 * {@link dev.tandem.connect.serving.Freshness} (an older or repeated one in the same batch would only be refused by the
 * script anyway), preceded by a delete when the batch carries a tombstone for the user. Order matters only around
 * tombstones: a prediction before the user's last tombstone is gone with it, one after it is written after the delete.
 * The script still decides against what Redis holds, so the reduction is an optimisation, never the correctness.
 *
 * @param <S> what the caller keeps per record (the Connect record, to report a write Redis refused)
 */
final class BatchReduction<S> {
    /** A user's net effect of one batch: delete first (a tombstone was seen), then write {@code newest} if any. */
    record UserWrite<S>(String userId, boolean deleteFirst, Recommendation newest, S source) {}

    private final Map<String, Pending<S>> byUser = new LinkedHashMap<>();
    private int predictions;

    private static final class Pending<S> {
        boolean delete;
        Recommendation newest;
        S source;
    }

    /** A prediction, in batch order. */
    void prediction(Recommendation r, S source) {
        Objects.requireNonNull(r, "recommendation");
        predictions++;
        Pending<S> p = byUser.computeIfAbsent(r.userId(), u -> new Pending<>());
        if (r.replaces(p.newest)) {
            p.newest = r;
            p.source = source;
        }
    }

    /** A tombstone for {@code userId}, in batch order: forgets the user's earlier predictions of this batch. */
    void tombstone(String userId) {
        Objects.requireNonNull(userId, "userId");
        Pending<S> p = byUser.computeIfAbsent(userId, u -> new Pending<>());
        p.delete = true;
        p.newest = null;
        p.source = null;
    }

    /** How many predictions were added (written or not). */
    int predictions() {
        return predictions;
    }

    /** The writes, in the order each user first appeared in the batch. */
    List<UserWrite<S>> writes() {
        List<UserWrite<S>> out = new ArrayList<>(byUser.size());
        byUser.forEach((user, p) -> out.add(new UserWrite<>(user, p.delete, p.newest, p.source)));
        return out;
    }
}
