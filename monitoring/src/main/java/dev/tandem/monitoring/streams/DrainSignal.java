package dev.tandem.monitoring.streams;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * How a replay tells the app, in this JVM, that its input is complete up to some event time: every outcome
 * processor task, at its next wall-clock punctuation, grades every waiting prediction (final where the horizon
 * fits before that time, censored otherwise: never a negative) and acknowledges. Only for a run that ends (a
 * replay); a live app keeps waiting for labels instead.
 */
public final class DrainSignal {
    /** One drain request; epochs grow by one per request. */
    public record Request(long epoch, long completeUntilMs) {}

    private final AtomicReference<Request> current = new AtomicReference<>();
    private final Map<String, Long> drainedEpochByTask = new ConcurrentHashMap<>();

    /** Asks every task to drain; returns the request's epoch, to wait on with {@link #tasksDrained}. */
    public synchronized long request(long completeUntilMs) {
        Request before = current.get();
        Request r = new Request(before == null ? 1 : before.epoch() + 1, completeUntilMs);
        current.set(r);
        return r.epoch();
    }

    /** The newest request, or null. */
    public Request current() {
        return current.get();
    }

    void drained(String taskId, long epoch) {
        drainedEpochByTask.merge(taskId, epoch, Math::max);
    }

    /** How many tasks have drained for request {@code epoch} or a later one. */
    public int tasksDrained(long epoch) {
        int n = 0;
        for (long e : drainedEpochByTask.values()) n += e >= epoch ? 1 : 0;
        return n;
    }

    /** Whether these tasks have all drained for request {@code epoch} or a later one. */
    public boolean drained(Iterable<String> taskIds, long epoch) {
        for (String t : taskIds) {
            Long e = drainedEpochByTask.get(t);
            if (e == null || e < epoch) return false;
        }
        return true;
    }
}
