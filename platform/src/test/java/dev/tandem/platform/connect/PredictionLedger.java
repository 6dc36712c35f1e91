package dev.tandem.platform.connect;

import dev.tandem.connect.serving.Freshness;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a test wrote to {@code predictions}, transaction by transaction: the predictions whose transaction committed, in
 * the order they were sent (which is their order in the topic, since one producer sends them and a user's predictions
 * share a partition), and the request ids whose transaction was aborted. The expectation of a serving store is computed
 * from this alone, never from the store: per user the newest committed prediction by {@link Freshness}, and of exact
 * duplicates (same request time and id) the first committed, since a store refuses an equal one as not newer.
 *
 * <p>Thread-safe: the producing thread records while the test thread asks.
 */
final class PredictionLedger {
    /** One prediction as sent: its freshness key and the value bytes the sink will read. */
    record Sent(String userId, String requestId, long requestTime, byte[] value) {
        boolean newerThan(Sent other) {
            return other == null || Freshness.compare(requestTime, requestId, other.requestTime, other.requestId) > 0;
        }
    }

    private final List<Sent> committed = new ArrayList<>();
    private final Map<String, Sent> newest = new LinkedHashMap<>();
    private final Set<String> abortedIds = new HashSet<>();
    private int abortedTransactions;
    private int committedTransactions;

    synchronized void committed(List<Sent> transaction) {
        committedTransactions++;
        for (Sent s : transaction) {
            committed.add(s);
            if (s.newerThan(newest.get(s.userId()))) newest.put(s.userId(), s);
        }
    }

    synchronized void aborted(List<Sent> transaction) {
        abortedTransactions++;
        transaction.forEach(s -> abortedIds.add(s.requestId()));
    }

    /** Per user with any committed prediction, the one a store must end up serving. */
    synchronized Map<String, Sent> expected() {
        return new LinkedHashMap<>(newest);
    }

    /** The user's newest committed prediction so far, or null. */
    synchronized Sent newest(String userId) {
        return newest.get(userId);
    }

    /** Committed predictions of the user so far, in the order sent. */
    synchronized List<Sent> committedOf(String userId) {
        return committed.stream().filter(s -> s.userId().equals(userId)).toList();
    }

    /** How many predictions have committed so far: a mark for {@link #requestIdsSince(int)}. */
    synchronized int mark() {
        return committed.size();
    }

    /** Request ids first committed after {@code mark} (a re-scored duplicate of an earlier request is not new). */
    synchronized Set<String> requestIdsSince(int mark) {
        Set<String> ids = new HashSet<>();
        committed.subList(mark, committed.size()).forEach(s -> ids.add(s.requestId()));
        committed.subList(0, mark).forEach(s -> ids.remove(s.requestId()));
        return ids;
    }

    synchronized boolean isAborted(String requestId) {
        return abortedIds.contains(requestId);
    }

    synchronized String summary() {
        return committedTransactions + " committed transactions (" + committed.size() + " predictions, "
                + newest.size() + " users), " + abortedTransactions + " aborted (" + abortedIds.size()
                + " predictions)";
    }
}
