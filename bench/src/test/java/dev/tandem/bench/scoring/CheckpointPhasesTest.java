package dev.tandem.bench.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CheckpointPhasesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A job of two tasks, "source" and "join", with 400 checkpoints of 1..400 ms: the join acknowledges last in all but
     * checkpoint 399; the subtask that acknowledges last spends the checkpoint's duration less 20 ms in its async part, 10 ms
     * outside the four phases.
     */
    private final Map<String, JsonNode> rest = new HashMap<>();

    private final List<JsonNode> history = new ArrayList<>();

    CheckpointPhasesTest() {
        ObjectNode job = JSON.createObjectNode();
        job.putArray("vertices").add(vertex("v1", "source")).add(vertex("v2", "join"));
        rest.put("", job);
        for (int id = 1; id <= 400; id++) {
            ObjectNode h = JSON.createObjectNode().put("id", id).put("end_to_end_duration", id);
            history.add(h);
            boolean sourceLast = id == 399;
            ObjectNode details = JSON.createObjectNode();
            ObjectNode tasks = details.putObject("tasks");
            tasks.putObject("v1").put("end_to_end_duration", sourceLast ? id : 0);
            tasks.putObject("v2").put("end_to_end_duration", sourceLast ? 0 : id);
            rest.put("/checkpoints/details/" + id, details);
            ObjectNode s = JSON.createObjectNode();
            // subtask 0 acknowledged last: start delay 3, alignment 2, sync 5, async id - 20, rest 10
            s.putArray("subtasks")
                    .add(subtask(id, 3, 2, 5, id - 20))
                    .add(subtask(id / 2, 1, 1, 1, 1))
                    .add(JSON.createObjectNode().put("index", 2).put("status", "pending_or_failed"));
            rest.put("/checkpoints/details/" + id + "/subtasks/" + (sourceLast ? "v1" : "v2"), s);
        }
    }

    private static ObjectNode subtask(long e2e, long delay, long alignment, long sync, long async) {
        ObjectNode st = JSON.createObjectNode().put("end_to_end_duration", e2e).put("start_delay", delay);
        st.putObject("alignment").put("duration", alignment);
        st.putObject("checkpoint").put("sync", sync).put("async", async);
        return st;
    }

    private static ObjectNode vertex(String id, String name) {
        return JSON.createObjectNode().put("id", id).put("name", name);
    }

    @Test
    void looksAtTheSlowestOnePercentAndNamesTheTaskThatWasLast() {
        CheckpointPhases p = CheckpointPhases.of(history, path -> Optional.ofNullable(rest.get(path)))
                .orElseThrow();

        // 1 % of 400: checkpoints 397..400, median (lower) 398
        assertThat(p.sampled()).isEqualTo(4);
        assertThat(p.durationMs()).isEqualTo(398);
        assertThat(p.task()).isEqualTo("join");
        assertThat(p.lastCount()).isEqualTo(3);
        assertThat(p.asyncMs()).isEqualTo(378);
        assertThat(p.restMs()).isEqualTo(10);
        assertThat(p.syncMs()).isEqualTo(5);
        assertThat(p.startDelayMs()).isEqualTo(3);
        assertThat(p.alignmentMs()).isEqualTo(2);
        assertThat(p.describe()).contains("the slowest 4 (median 398 ms): last 'join' in 3");
    }

    @Test
    void samplesAtLeastThreeAndSkipsCheckpointsTheEndpointNoLongerDescribes() {
        rest.remove("/checkpoints/details/400");

        CheckpointPhases p = CheckpointPhases.of(history.subList(0, 400), path -> Optional.ofNullable(rest.get(path)))
                .orElseThrow();
        assertThat(p.sampled()).isEqualTo(3);
        assertThat(p.durationMs()).isEqualTo(398);

        assertThat(CheckpointPhases.of(history.subList(0, 10), path -> Optional.empty()))
                .isEmpty();
        assertThat(CheckpointPhases.of(history.subList(0, 2), path -> Optional.ofNullable(rest.get(path)))
                        .orElseThrow()
                        .sampled())
                .isEqualTo(2);
    }
}
