package dev.tandem.bench.scoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where the slowest checkpoints of a window spent their time, from Flink's per-subtask figures: for each of them, the
 * task that acknowledged last and, of its subtask that acknowledged last, the start delay (trigger → first barrier at
 * the subtask: records queued ahead of it), the alignment (first → last barrier), the synchronous part (on the task
 * thread: RocksDB flushes its memtables and links its files), the asynchronous part (the files written to checkpoint
 * storage) and the rest of its end-to-end time (the chain's work before the barrier goes on, such as the batch scored
 * and the producers flushed, and the acknowledgement). Medians over the sample, since one checkpoint's figures are
 * noise on two busy cores.
 *
 * @param sampled    checkpoints looked at (the slowest 1 %, at least 3, at most {@value #MAX_SAMPLE})
 * @param durationMs their median end-to-end duration
 * @param task       the task that was last in most of them
 * @param lastCount  in how many of them it was last
 */
public record CheckpointPhases(
        int sampled,
        double durationMs,
        String task,
        int lastCount,
        double startDelayMs,
        double alignmentMs,
        double syncMs,
        double asyncMs,
        double restMs) {

    static final int MAX_SAMPLE = 20;

    private static final JsonNode MISSING = MissingNode.getInstance();

    /**
     * @param completed the window's completed checkpoints (entries of the REST history)
     * @param get       a GET of the job's REST endpoint, by path below {@code /jobs/:id}; empty where it does not answer
     */
    static Optional<CheckpointPhases> of(List<JsonNode> completed, Function<String, Optional<JsonNode>> get) {
        if (completed.isEmpty()) return Optional.empty();
        List<JsonNode> slowest = new ArrayList<>(completed);
        slowest.sort((a, b) -> Long.compare(
                b.path("end_to_end_duration").asLong(),
                a.path("end_to_end_duration").asLong()));
        int k = Math.min(slowest.size(), Math.min(MAX_SAMPLE, Math.max(3, (int) Math.ceil(slowest.size() * 0.01))));
        Map<String, String> names = new HashMap<>();
        get.apply("").ifPresent(j -> {
            for (JsonNode v : j.path("vertices"))
                names.put(v.path("id").asText(), v.path("name").asText());
        });
        List<Double> duration = new ArrayList<>();
        List<Double> delay = new ArrayList<>();
        List<Double> alignment = new ArrayList<>();
        List<Double> sync = new ArrayList<>();
        List<Double> async = new ArrayList<>();
        List<Double> rest = new ArrayList<>();
        Map<String, Integer> last = new HashMap<>();
        for (JsonNode h : slowest.subList(0, k)) {
            String id = h.path("id").asText();
            Optional<JsonNode> details = get.apply("/checkpoints/details/" + id);
            if (details.isEmpty()) continue;
            String vertex = null;
            long latest = -1;
            var tasks = details.get().path("tasks").fields();
            while (tasks.hasNext()) {
                var t = tasks.next();
                long d = t.getValue().path("end_to_end_duration").asLong(-1);
                if (d > latest) {
                    latest = d;
                    vertex = t.getKey();
                }
            }
            if (vertex == null) continue;
            Optional<JsonNode> subtasks = get.apply("/checkpoints/details/" + id + "/subtasks/" + vertex);
            JsonNode slowestSubtask = null;
            for (JsonNode st : subtasks.map(j -> j.path("subtasks")).orElse(MISSING)) {
                if (!st.has("end_to_end_duration")) continue; // not acknowledged
                if (slowestSubtask == null
                        || st.path("end_to_end_duration").asLong()
                                > slowestSubtask.path("end_to_end_duration").asLong()) slowestSubtask = st;
            }
            if (slowestSubtask == null) continue;
            double e2e = slowestSubtask.path("end_to_end_duration").asDouble();
            double d = slowestSubtask.path("start_delay").asDouble();
            double a = slowestSubtask.path("alignment").path("duration").asDouble();
            double sy = slowestSubtask.path("checkpoint").path("sync").asDouble();
            double as = slowestSubtask.path("checkpoint").path("async").asDouble();
            duration.add(h.path("end_to_end_duration").asDouble());
            delay.add(d);
            alignment.add(a);
            sync.add(sy);
            async.add(as);
            rest.add(Math.max(0, e2e - d - a - sy - as));
            last.merge(names.getOrDefault(vertex, vertex), 1, Integer::sum);
        }
        if (duration.isEmpty()) return Optional.empty();
        Map.Entry<String, Integer> most = Collections.max(last.entrySet(), Map.Entry.comparingByValue());
        return Optional.of(new CheckpointPhases(
                duration.size(),
                median(duration),
                most.getKey(),
                most.getValue(),
                median(delay),
                median(alignment),
                median(sync),
                median(async),
                median(rest)));
    }

    /** {@code the slowest 12 (median 1,520 ms): last 'join' in 11; ... start delay / alignment / sync / async / rest 5 / 0 / 40 / 1,400 / 60 ms} */
    public String describe() {
        String t = task.length() > 60 ? task.substring(0, 57) + "..." : task;
        return String.format(
                Locale.ROOT,
                "the slowest %d (median %,.0f ms): last '%s' in %d; its last subtask's start delay / alignment / sync"
                        + " / async / rest %,.0f / %,.0f / %,.0f / %,.0f / %,.0f ms (medians)",
                sampled,
                durationMs,
                t,
                lastCount,
                startDelayMs,
                alignmentMs,
                syncMs,
                asyncMs,
                restMs);
    }

    /** The lower median, as {@link BenchJob}'s nearest-rank quantile at 0.5. */
    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return BenchJob.quantile(sorted, 0.5);
    }
}
