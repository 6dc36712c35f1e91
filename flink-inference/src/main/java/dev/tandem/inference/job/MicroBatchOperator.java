package dev.tandem.inference.job;

import dev.tandem.inference.core.BatchScorer;
import dev.tandem.inference.core.BatchScorerFactory;
import dev.tandem.inference.core.EncodedRequest;
import dev.tandem.inference.core.PredictionAssembler;
import dev.tandem.model.features.EncodedBatch;
import dev.tandem.schemas.Prediction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Meter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Collects encoded requests across keys until {@code maxBatchRows} candidates or {@code maxWait}
 * (a processing-time timer from the first buffered request), then scores them with ONE
 * {@link BatchScorer#score} call and emits one {@link Prediction} per request, in arrival order.
 * Never blocks per record: the task thread only copies rows, and scores when a batch is due, so a
 * slow model backpressures the sources. Nothing is held across a checkpoint barrier
 * ({@link #prepareSnapshotPreBarrier} flushes), a watermark (flushed before it is forwarded) or the
 * end of input, so the operator needs no state of its own. One scorer (session) per subtask, opened
 * in {@link #open} and closed in {@link #close}.
 */
public final class MicroBatchOperator extends AbstractStreamOperator<Prediction>
        implements OneInputStreamOperator<EncodedRequest, Prediction>, BoundedOneInput {
    private static final long NO_TIMESTAMP = Long.MIN_VALUE;

    private final BatchScorerFactory factory;
    private final int maxBatchRows;
    private final long maxWaitMs;

    private transient BatchScorer scorer;
    private transient EncodedBatch batch;
    private transient List<Pending> pending;
    private transient int pendingRows;
    private transient long firstArrivalMs;
    private transient boolean timerRegistered;

    private transient Histogram batchRowsHist;
    private transient Histogram modelMicrosHist;
    private transient Histogram queueMicrosHist;
    private transient Meter predictionsPerSecond;
    private transient Counter predictions;
    private transient Counter batches;

    private record Pending(EncodedRequest request, long timestamp, long arrivedNanos) {
    }

    public MicroBatchOperator(BatchScorerFactory factory, int maxBatchRows, Duration maxWait) {
        if (maxBatchRows < 1) {
            throw new IllegalArgumentException("maxBatchRows must be >= 1, was " + maxBatchRows);
        }
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait must be >= 0, was " + maxWait);
        }
        this.factory = factory;
        this.maxBatchRows = maxBatchRows;
        this.maxWaitMs = maxWait.toMillis();
    }

    @Override
    public void open() throws Exception {
        super.open();
        scorer = factory.create();
        scorer.warmUp(maxBatchRows);
        batch = new EncodedBatch(scorer.spec(), maxBatchRows);
        pending = new ArrayList<>();
        var g = getMetricGroup();
        batchRowsHist = g.histogram(ScoringMetrics.BATCH_ROWS, new DescriptiveStatisticsHistogram(1024));
        modelMicrosHist = g.histogram(ScoringMetrics.MODEL_MICROS, new DescriptiveStatisticsHistogram(1024));
        queueMicrosHist = g.histogram(ScoringMetrics.QUEUE_MICROS, new DescriptiveStatisticsHistogram(1024));
        predictions = g.counter(ScoringMetrics.PREDICTIONS);
        batches = g.counter(ScoringMetrics.BATCHES);
        predictionsPerSecond = g.meter(ScoringMetrics.PREDICTIONS_PER_SECOND, new MeterView(predictions));
    }

    @Override
    public void processElement(StreamRecord<EncodedRequest> element) throws Exception {
        EncodedRequest r = element.getValue();
        int n = r.candidates();
        if (pendingRows > 0 && pendingRows + n > maxBatchRows) {
            flush();
        }
        if (pending.isEmpty()) {
            firstArrivalMs = getProcessingTimeService().getCurrentProcessingTime();
        }
        pending.add(new Pending(r, element.hasTimestamp() ? element.getTimestamp() : NO_TIMESTAMP, System.nanoTime()));
        pendingRows += n;
        if (pendingRows >= maxBatchRows || maxWaitMs == 0) {
            flush();
        } else if (!timerRegistered) {
            timerRegistered = true;
            getProcessingTimeService().registerTimer(firstArrivalMs + maxWaitMs, this::onTimer);
        }
    }

    private void onTimer(long time) throws Exception {
        timerRegistered = false;
        if (pending.isEmpty()) {
            return;
        }
        long due = firstArrivalMs + maxWaitMs;
        if (due <= time) {
            flush();
        } else {
            timerRegistered = true;
            getProcessingTimeService().registerTimer(due, this::onTimer);
        }
    }

    /** Scores everything buffered with one model call and emits the predictions in arrival order. */
    private void flush() {
        if (pending.isEmpty()) {
            return;
        }
        int rows = pendingRows;
        if (rows > batch.capacity()) {
            batch = new EncodedBatch(scorer.spec(), rows); // one request larger than maxBatchRows
        }
        long start = System.nanoTime();
        int row = 0;
        for (Pending p : pending) {
            p.request().writeRows(batch, row);
            row += p.request().candidates();
        }
        batch.setRows(rows);
        int k = scorer.stages().size();
        float[] probs = rows == 0 ? new float[0] : scorer.score(batch);
        if (probs.length != rows * k) {
            throw new IllegalStateException("scorer returned " + probs.length + " probabilities for " + rows + " rows × " + k + " stages");
        }
        long end = System.nanoTime();
        long modelMicros = (end - start) / 1_000;
        long scoredAt = getProcessingTimeService().getCurrentProcessingTime();
        row = 0;
        for (Pending p : pending) {
            long queueMicros = (start - p.arrivedNanos()) / 1_000;
            Prediction pred = PredictionAssembler.assemble(p.request(), probs, row, scorer.stages(), scorer.modelName(), scorer.modelVersion(),
                    scoredAt, queueMicros, modelMicros, rows);
            output.collect(p.timestamp() == NO_TIMESTAMP ? new StreamRecord<>(pred) : new StreamRecord<>(pred, p.timestamp()));
            queueMicrosHist.update(queueMicros);
            row += p.request().candidates();
        }
        if (rows > 0) {
            batches.inc();
            batchRowsHist.update(rows);
            modelMicrosHist.update(modelMicros);
            predictions.inc(rows);
        }
        pending.clear();
        pendingRows = 0;
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        flush();
        super.processWatermark(mark);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        flush();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void endInput() {
        flush();
    }

    @Override
    public void finish() throws Exception {
        flush();
        super.finish();
    }

    @Override
    public void close() throws Exception {
        try {
            if (scorer != null) {
                scorer.close();
                scorer = null;
            }
        } finally {
            super.close();
        }
    }

    /** For tests and metrics reporters: candidates per second over the meter's window. */
    double predictionsRate() {
        return predictionsPerSecond.getRate();
    }
}
