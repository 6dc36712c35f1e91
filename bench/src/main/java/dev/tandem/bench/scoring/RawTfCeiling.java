package dev.tandem.bench.scoring;

import dev.tandem.inference.core.EncodedRequest;
import dev.tandem.inference.core.RequestEncoder;
import dev.tandem.model.features.EncodedBatch;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.serving.FunnelScorer;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.ScoringRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The raw TensorFlow ceiling of an exported model: what its sessions alone score per second, with nothing else to do.
 * One {@link FunnelScorer} (session: intra-op 1, inter-op −1, as the job's) per thread, input tensors allocated once
 * and refilled, every call a full batch of the job's maximum size holding real encoded requests (the bench's requests
 * joined with their users' features and the catalog, by the job's own {@link RequestEncoder}); all threads run at once.
 */
final class RawTfCeiling {
    private static final int POOL = 8;

    private RawTfCeiling() {}

    /** Candidates scored per second by {@code threads} sessions together. */
    static double measure(Path modelDir, List<String> stages, ScoringWorkload workload, int batchRows, int threads, double warmupSeconds,
                          double seconds) throws Exception {
        FeatureSpec spec = FeatureSpec.read(modelDir);
        EncodedBatch[] pool = batches(spec, workload, batchRows);
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService exec = Executors.newFixedThreadPool(threads);
        try {
            List<Future<double[]>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(exec.submit(() -> run(modelDir, spec, stages, pool, batchRows, start, warmupSeconds, seconds)));
            }
            double rows = 0;
            double longest = 0;
            for (Future<double[]> f : results) {
                double[] r = f.get();
                rows += r[0];
                longest = Math.max(longest, r[1]);
            }
            return rows / longest;
        } finally {
            exec.shutdownNow();
        }
    }

    private static double[] run(Path modelDir, FeatureSpec spec, List<String> stages, EncodedBatch[] pool, int b, CyclicBarrier start,
                                double warmupSeconds, double seconds) throws Exception {
        try (FunnelScorer scorer = FunnelScorer.load(modelDir, spec, stages); FunnelScorer.Inputs in = scorer.newInputs(b)) {
            float[] probs = new float[b * scorer.stageCount()];
            float[] column = new float[b];
            int i = 0;
            long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
            do {
                scorer.score(pool[i++ % POOL], in, probs, column);
            } while (System.nanoTime() < warmEnd);
            start.await();
            long calls = 0;
            double sink = 0;
            long t0 = System.nanoTime();
            long end = t0 + (long) (seconds * 1e9);
            long now;
            do {
                scorer.score(pool[i++ % POOL], in, probs, column);
                sink += probs[0];
                calls++;
                now = System.nanoTime();
            } while (now < end);
            if (Double.isNaN(sink)) throw new IllegalStateException("the model scores NaN");
            return new double[] {calls * (double) b, (now - t0) / 1e9};
        }
    }

    /** {@link #POOL} full batches of distinct real requests' rows. */
    static EncodedBatch[] batches(FeatureSpec spec, ScoringWorkload workload, int batchRows) {
        RequestEncoder encoder = new RequestEncoder(spec);
        Map<String, ItemMetadata> catalog = new HashMap<>();
        for (ItemMetadata m : workload.catalog) catalog.put(m.getItemId(), m);
        EncodedBatch[] pool = new EncodedBatch[POOL];
        long n = 0;
        for (int p = 0; p < POOL; p++) {
            EncodedBatch staging = new EncodedBatch(spec, batchRows + workload.candidates());
            int row = 0;
            while (row < batchRows) {
                ScoringRequest r = workload.request("raw-", n++);
                EncodedRequest e = encoder.encode(r, workload.features.get(r.getUserId()), catalog::get, workload.requestTimeMs);
                e.writeRows(staging, row);
                row += e.candidates();
            }
            pool[p] = new EncodedBatch(spec, batchRows);
            for (int i = 0; i < batchRows; i++) staging.copyRow(i, pool[p], i);
            pool[p].setRows(batchRows);
        }
        return pool;
    }
}
