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
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The raw TensorFlow ceiling of an exported model: what its sessions alone score per second, with nothing else to do, at
 * the batch size that suits them best. One {@link FunnelScorer} (session: intra-op 1, inter-op −1, as the job's) per
 * thread, loaded once; per batch size, input tensors allocated once and refilled, every call a full batch holding real
 * encoded requests (the bench's requests joined with their users' features and the catalog, by the job's own
 * {@link RequestEncoder}); all threads warm up, then measure each size at once, and wait for each other before the next.
 */
final class RawTfCeiling {
    private static final int POOL = 8;

    private RawTfCeiling() {}

    /** Candidates scored per second by {@code threads} sessions together, per batch size (ascending). */
    static SortedMap<Integer, Double> measure(
            Path modelDir,
            List<String> stages,
            ScoringWorkload workload,
            Collection<Integer> batchSizes,
            int threads,
            double warmupSeconds,
            double seconds)
            throws Exception {
        FeatureSpec spec = FeatureSpec.read(modelDir);
        List<Integer> sizes = new ArrayList<>(new TreeSet<>(batchSizes));
        List<EncodedBatch[]> pools = new ArrayList<>();
        for (int b : sizes) pools.add(batches(spec, workload, b));
        CyclicBarrier together = new CyclicBarrier(threads);
        ExecutorService exec = Executors.newFixedThreadPool(threads);
        try {
            List<Future<double[][]>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(
                        exec.submit(() -> run(modelDir, spec, stages, sizes, pools, together, warmupSeconds, seconds)));
            }
            double[] rows = new double[sizes.size()];
            double[] longest = new double[sizes.size()];
            for (Future<double[][]> f : results) {
                double[][] r = f.get();
                for (int i = 0; i < sizes.size(); i++) {
                    rows[i] += r[i][0];
                    longest[i] = Math.max(longest[i], r[i][1]);
                }
            }
            SortedMap<Integer, Double> rates = new TreeMap<>();
            for (int i = 0; i < sizes.size(); i++) rates.put(sizes.get(i), rows[i] / longest[i]);
            return rates;
        } finally {
            exec.shutdownNow();
        }
    }

    /** The batch size with the highest rate (the smaller one on a tie). */
    static int best(SortedMap<Integer, Double> rates) {
        int best = rates.firstKey();
        for (Map.Entry<Integer, Double> e : rates.entrySet()) if (e.getValue() > rates.get(best)) best = e.getKey();
        return best;
    }

    /** Per batch size: {rows scored, seconds}. */
    private static double[][] run(
            Path modelDir,
            FeatureSpec spec,
            List<String> stages,
            List<Integer> sizes,
            List<EncodedBatch[]> pools,
            CyclicBarrier together,
            double warmupSeconds,
            double seconds)
            throws Exception {
        double[][] out = new double[sizes.size()][];
        try (FunnelScorer scorer = FunnelScorer.load(modelDir, spec, stages)) {
            for (int s = 0; s < sizes.size(); s++) {
                int b = sizes.get(s);
                EncodedBatch[] pool = pools.get(s);
                try (FunnelScorer.Inputs in = scorer.newInputs(b)) {
                    float[] probs = new float[b * scorer.stageCount()];
                    float[] column = new float[b];
                    int i = 0;
                    long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
                    do {
                        scorer.score(pool[i++ % POOL], in, probs, column);
                    } while (System.nanoTime() < warmEnd);
                    together.await();
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
                    out[s] = new double[] {calls * (double) b, (now - t0) / 1e9};
                    // no session warms up the next size while another still measures this one
                    together.await();
                }
            }
        }
        return out;
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
                EncodedRequest e =
                        encoder.encode(r, workload.features.get(r.getUserId()), catalog::get, workload.requestTimeMs);
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
