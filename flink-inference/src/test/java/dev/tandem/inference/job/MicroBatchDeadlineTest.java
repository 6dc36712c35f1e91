package dev.tandem.inference.job;

import static dev.tandem.inference.Fixtures.SPEC;
import static dev.tandem.inference.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.inference.Fixtures;
import dev.tandem.inference.core.DeadLetter;
import dev.tandem.inference.core.EncodedRequest;
import dev.tandem.inference.core.RawRecord;
import dev.tandem.inference.core.RequestDeadline;
import dev.tandem.inference.core.RequestEncoder;
import dev.tandem.schemas.Prediction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.metrics.groups.InternalOperatorMetricGroup;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.runtime.metrics.util.InterceptingTaskMetricGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link MicroBatchOperator} with a {@link RequestDeadline}: the harness's processing time is the clock, so a
 * request's age is set exactly, with no waiting.
 */
@Timeout(60)
class MicroBatchDeadlineTest {
    private static final Duration DEADLINE = Duration.ofMillis(500);

    private final RequestEncoder encoder = new RequestEncoder(SPEC);
    private final String id = UUID.randomUUID().toString();
    private final InterceptingOperatorMetricGroup metrics = new InterceptingOperatorMetricGroup();
    private MockEnvironment env;
    private OneInputStreamOperatorTestHarness<EncodedRequest, Prediction> h;

    /** The operator's metrics land in {@link #metrics}, to be read by name. */
    private void open(Duration maxWait, RequestDeadline deadline) throws Exception {
        env = new MockEnvironmentBuilder()
                .setMetricGroup(new InterceptingTaskMetricGroup() {
                    @Override
                    public InternalOperatorMetricGroup getOrAddOperator(
                            OperatorID operatorId, String name, Map<String, String> additionalVariables) {
                        return metrics;
                    }
                })
                .build();
        h = new OneInputStreamOperatorTestHarness<>(
                new MicroBatchOperator(new Fixtures.FakeScorerFactory(id), 100, maxWait, deadline), env);
        h.setProcessingTime(10_000);
        h.open();
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (h != null) h.close();
        } finally {
            if (env != null) env.close();
        }
    }

    /** A request of {@code requestTimeMs} with {@code candidates} candidates, read raw from partition 2 at {@code offset}. */
    private EncodedRequest send(String rid, long requestTimeMs, int candidates, long offset) throws Exception {
        String[] items = new String[candidates];
        for (int i = 0; i < candidates; i++) items[i] = rid + "-item-" + i;
        EncodedRequest r = encoder.encode(request(rid, "u-" + rid, requestTimeMs, items), null, x -> null, 0);
        r.source = RawRecord.of(
                "scoring-requests",
                2,
                offset,
                requestTimeMs,
                ("u-" + rid).getBytes(StandardCharsets.UTF_8),
                ("bytes of " + rid).getBytes(StandardCharsets.UTF_8));
        h.processElement(new StreamRecord<>(r, requestTimeMs));
        return r;
    }

    private List<String> predicted() {
        return h.extractOutputValues().stream()
                .map(p -> p.getRequestId().toString())
                .toList();
    }

    private List<DeadLetter> deadLetters() {
        var q = h.getSideOutput(MicroBatchOperator.DEAD_LETTERS);
        return q == null ? List.of() : q.stream().map(StreamRecord::getValue).toList();
    }

    private long pastDeadline() {
        return ((Counter) metrics.get(ScoringMetrics.REQUESTS_PAST_DEADLINE)).getCount();
    }

    private List<Integer> modelCalls() {
        return Fixtures.CALLS.getOrDefault(id, List.of());
    }

    @Test
    void aRequestPastTheDeadlineWhenItsBatchIsDueIsDeadLetteredByteForByteAndNotScored() throws Exception {
        open(Duration.ofMillis(50), RequestDeadline.of(DEADLINE));
        send("fresh", 9_900, 2, 40);
        send("stale", 9_000, 3, 41);
        send("fresh-2", 9_960, 1, 42);
        h.setProcessingTime(10_050); // the batch is due: ages 150, 1050 and 90 ms

        assertThat(predicted()).containsExactly("fresh", "fresh-2");
        assertThat(modelCalls())
                .as("the stale request's rows never reach the model")
                .containsExactly(3);
        assertThat(deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.reason).isEqualTo("deadline");
            assertThat(d.sourceTopic).isEqualTo("scoring-requests");
            assertThat(d.sourcePartition).isEqualTo(2);
            assertThat(d.sourceOffset).isEqualTo(41);
            assertThat(d.timestamp).isEqualTo(9_000);
            assertThat(new String(d.key, StandardCharsets.UTF_8)).isEqualTo("u-stale");
            assertThat(new String(d.value, StandardCharsets.UTF_8)).isEqualTo("bytes of stale");
            assertThat(d.errorClass).isEqualTo(RequestDeadline.PastDeadlineException.class.getName());
            assertThat(d.errorMessage).contains("stale", "1050 ms old", "500 ms");
        });
        assertThat(pastDeadline()).isEqualTo(1);
    }

    @Test
    void theWaitForTheBatchCounts() throws Exception {
        open(Duration.ofMillis(300), RequestDeadline.of(DEADLINE));
        send("in-time-on-arrival", 9_700, 1, 1); // 300 ms old when it arrives
        h.setProcessingTime(10_299);
        assertThat(predicted()).isEmpty();
        assertThat(deadLetters()).isEmpty();
        h.setProcessingTime(10_300); // the timer flushes: now 600 ms old

        assertThat(predicted()).isEmpty();
        assertThat(deadLetters()).extracting(d -> d.reason).containsExactly("deadline");
        assertThat(pastDeadline()).isEqualTo(1);
    }

    @Test
    void aBatchOfOnlyLateRequestsCostsNoModelCallAndTheNextBatchIsScored() throws Exception {
        open(Duration.ofMillis(50), RequestDeadline.of(DEADLINE));
        for (int i = 0; i < 5; i++) send("old-" + i, 1_000 + i, 2, i);
        h.prepareSnapshotPreBarrier(1); // a barrier flushes too, and checks the deadline the same way
        assertThat(predicted()).isEmpty();
        assertThat(modelCalls()).isEmpty();
        assertThat(deadLetters()).hasSize(5);
        assertThat(pastDeadline()).isEqualTo(5);

        send("new", 10_000, 4, 9);
        h.endInput();
        assertThat(predicted()).containsExactly("new");
        assertThat(modelCalls()).containsExactly(4);
        assertThat(pastDeadline()).isEqualTo(5);
    }

    @Test
    void withoutADeadlineEveryRequestIsScoredHoweverOld() throws Exception {
        open(Duration.ofMillis(50), RequestDeadline.NONE);
        send("ancient", 0, 2, 1);
        send("fresh", 10_000, 1, 2);
        h.setProcessingTime(10_050);

        assertThat(predicted()).containsExactly("ancient", "fresh");
        assertThat(deadLetters()).isEmpty();
        assertThat(pastDeadline()).isZero();
    }
}
