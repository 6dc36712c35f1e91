package dev.tandem.inference.job;

import static dev.tandem.inference.Fixtures.SPEC;
import static dev.tandem.inference.Fixtures.features;
import static dev.tandem.inference.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.inference.Fixtures;
import dev.tandem.inference.core.EncodedRequest;
import dev.tandem.inference.core.PredictionAssembler;
import dev.tandem.inference.core.RequestEncoder;
import dev.tandem.model.features.EncodedBatch;
import dev.tandem.schemas.Prediction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class MicroBatchOperatorTest {
    private final RequestEncoder encoder = new RequestEncoder(SPEC);
    private final String id = UUID.randomUUID().toString();
    private OneInputStreamOperatorTestHarness<EncodedRequest, Prediction> h;

    private void open(int maxRows, Duration wait) throws Exception {
        h = new OneInputStreamOperatorTestHarness<>(
                new MicroBatchOperator(new Fixtures.FakeScorerFactory(id), maxRows, wait));
        h.setProcessingTime(0);
        h.open();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (h != null) {
            h.close();
        }
    }

    private List<Integer> calls() {
        return Fixtures.CALLS.getOrDefault(id, List.of());
    }

    private EncodedRequest req(String rid, String user, int candidates) {
        String[] items = new String[candidates];
        for (int i = 0; i < candidates; i++) {
            items[i] = "item-" + rid + "-" + i;
        }
        var f = user.hashCode() % 2 == 0 ? features(user, 500, 3, 3) : null;
        return encoder.encode(request(rid, user, 1_000, items), f, x -> null, 0);
    }

    private void send(EncodedRequest r) throws Exception {
        h.processElement(new StreamRecord<>(r, 7));
    }

    private List<Prediction> out() {
        return h.extractOutputValues();
    }

    /** What scoring this request alone, offline, gives. */
    private static List<List<Float>> offline(EncodedRequest r) {
        EncodedBatch b = new EncodedBatch(SPEC, Math.max(1, r.candidates()));
        r.writeRows(b, 0);
        b.setRows(r.candidates());
        float[] p = Fixtures.fakeScores(b, 2);
        List<List<Float>> out = new ArrayList<>();
        for (int i = 0; i < r.candidates(); i++) {
            out.add(List.of(p[2 * i], p[2 * i + 1]));
        }
        return out;
    }

    @Test
    void aFullBatchIsScoredWithOneCallAndNoTimer() throws Exception {
        open(6, Duration.ofSeconds(100));
        send(req("r1", "u1", 3));
        assertThat(out()).isEmpty();
        send(req("r2", "u2", 3));
        assertThat(out()).extracting(p -> p.getRequestId().toString()).containsExactly("r1", "r2");
        assertThat(calls()).containsExactly(6);
        assertThat(out().get(1).getTimings().getBatchRows()).isEqualTo(6);
        assertThat(h.extractOutputStreamRecords()).allMatch(r -> r.getTimestamp() == 7);
    }

    @Test
    void aRequestThatWouldOverflowTheBatchStartsTheNextOne() throws Exception {
        open(5, Duration.ofSeconds(100));
        send(req("r1", "u1", 3));
        send(req("r2", "u2", 3));
        assertThat(calls()).containsExactly(3);
        send(req("r3", "u3", 2));
        assertThat(calls()).containsExactly(3, 5);
        send(req("big", "u4", 12)); // larger than a batch: scored alone
        assertThat(calls()).containsExactly(3, 5, 12);
        assertThat(out()).hasSize(4);
    }

    @Test
    void theTimerFlushesAPartialBatchAfterMaxWait() throws Exception {
        open(100, Duration.ofMillis(50));
        h.setProcessingTime(10);
        send(req("r1", "u1", 2));
        h.setProcessingTime(30);
        send(req("r2", "u2", 3));
        h.setProcessingTime(59);
        assertThat(out()).isEmpty();
        h.setProcessingTime(60);
        assertThat(out()).extracting(p -> p.getRequestId().toString()).containsExactly("r1", "r2");
        assertThat(calls()).containsExactly(5);
        // the next request starts a new wait
        h.setProcessingTime(100);
        send(req("r3", "u1", 1));
        h.setProcessingTime(149);
        assertThat(out()).hasSize(2);
        h.setProcessingTime(150);
        assertThat(out()).hasSize(3);
        assertThat(calls()).containsExactly(5, 1);
    }

    @Test
    void predictionsKeepArrivalOrderPerKeyAndMatchOfflineScoring() throws Exception {
        open(7, Duration.ofMillis(50));
        List<EncodedRequest> sent = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            EncodedRequest r = req("r" + i, "u" + (i % 3), 1 + (i * 7) % 5);
            sent.add(r);
            send(r);
        }
        h.setProcessingTime(1_000);
        assertThat(out())
                .extracting(p -> p.getRequestId().toString())
                .containsExactlyElementsOf(sent.stream().map(r -> r.requestId).toList());
        for (int i = 0; i < sent.size(); i++) {
            Prediction p = out().get(i);
            assertThat(p.getCandidates())
                    .extracting(c -> c.getItemId().toString())
                    .containsExactly(sent.get(i).itemIds);
            assertThat(p.getCandidates())
                    .extracting(c -> c.getProbabilities())
                    .containsExactlyElementsOf(offline(sent.get(i)));
        }
        assertThat(calls()).allMatch(n -> n <= 7);
        assertThat(calls().stream().mapToInt(Integer::intValue).sum())
                .isEqualTo(sent.stream().mapToInt(EncodedRequest::candidates).sum());
    }

    @Test
    void everythingBufferedIsEmittedBeforeTheCheckpointBarrier() throws Exception {
        open(100, Duration.ofSeconds(100));
        send(req("r1", "u1", 2));
        assertThat(out()).isEmpty();
        h.prepareSnapshotPreBarrier(1);
        assertThat(out()).extracting(p -> p.getRequestId().toString()).containsExactly("r1");
        h.snapshot(1, 1); // nothing left to snapshot but must not fail
    }

    @Test
    void aWatermarkDoesNotOvertakeBufferedPredictions() throws Exception {
        open(100, Duration.ofSeconds(100));
        send(req("r1", "u1", 2));
        h.processWatermark(new Watermark(100));
        List<Object> raw = new ArrayList<>(h.getOutput());
        assertThat(raw).hasSize(2);
        assertThat(raw.get(0)).isInstanceOf(StreamRecord.class);
        assertThat(raw.get(1)).isInstanceOf(Watermark.class);
    }

    @Test
    void aForgetMarkerComesOutAfterEveryBufferedPredictionAsATombstoneMarker() throws Exception {
        open(100, Duration.ofSeconds(100));
        send(req("r1", "u1", 2));
        send(req("r2", "u2", 1));
        h.setProcessingTime(42);
        send(EncodedRequest.forget("u1"));

        assertThat(out()).hasSize(3);
        assertThat(out().subList(0, 2))
                .extracting(p -> p.getRequestId().toString())
                .containsExactly("r1", "r2");
        assertThat(calls()).as("buffered requests scored in one call first").containsExactly(3);
        Prediction marker = out().get(2);
        assertThat(PredictionAssembler.isForget(marker)).isTrue();
        assertThat(marker.getUserId()).isEqualTo("u1");
        assertThat(out().subList(0, 2)).noneMatch(PredictionAssembler::isForget);

        send(req("r3", "u1", 1));
        h.prepareSnapshotPreBarrier(1);
        assertThat(out()).hasSize(4);
        assertThat(out().get(3).getRequestId()).isEqualTo("r3");
    }

    @Test
    void theEndOfInputFlushes() throws Exception {
        open(100, Duration.ofSeconds(100));
        send(req("r1", "u1", 2));
        send(req("r2", "u1", 0));
        h.endInput();
        assertThat(out()).extracting(p -> p.getRequestId().toString()).containsExactly("r1", "r2");
        assertThat(out().get(1).getCandidates()).isEmpty();
    }
}
