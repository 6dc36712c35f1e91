package dev.tandem.model.train;

import dev.tandem.features.drift.DriftReference;
import dev.tandem.features.eval.Evaluation;
import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.data.ItemRateInputs;
import dev.tandem.model.features.EncodedBatch;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.serving.Feeds;
import dev.tandem.model.zoo.ModelConfig;
import dev.tandem.model.zoo.ModelZoo;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.function.Consumer;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Trains a funnel model on an {@link ExampleSet}: Adam (sparse rows for embedding tables) on the fit
 * rows, mini-batches shuffled by a seeded RNG, early stopping on the selection slice's loss (the best
 * epoch's weights are kept), one progress line per epoch. The validation rows are scored once, at the
 * end, for the reports: no choice is made on them. Same seed and data → identical weights (single-
 * threaded ops, initial values drawn in Java).
 */
public final class Trainer {
    static final int EVAL_CHUNK = 2048;
    static final int CALIBRATION_BINS = 10;

    private final ModelConfig config;
    private final Consumer<String> progress;

    public Trainer(ModelConfig config, Consumer<String> progress) {
        this.config = Objects.requireNonNull(config, "config");
        this.progress = progress == null ? s -> {} : progress;
    }

    /**
     * @throws TrainingException when there is nothing to learn from, or the loss becomes NaN
     */
    public TrainedModel train(ExampleSet data) {
        return train(data, (Map<String, double[]>) null);
    }

    /**
     * @param truth on generated data, the true P(reach stage) per exposure event id (see {@link Reports#truth}):
     *              the reports then carry the ceiling; null otherwise
     * @throws TrainingException when there is nothing to learn from, or the loss becomes NaN
     */
    public TrainedModel train(ExampleSet data, Map<String, double[]> truth) {
        return train(data, truth, null);
    }

    /**
     * As {@link #train(ExampleSet, Map)}, reported against baselines already fit on {@code data} (several models
     * trained on the same examples share one fit).
     */
    public TrainedModel train(ExampleSet data, Reports.Yardsticks yardsticks) {
        return train(data, null, Objects.requireNonNull(yardsticks, "yardsticks"));
    }

    private TrainedModel train(ExampleSet data, Map<String, double[]> truth, Reports.Yardsticks yardsticks) {
        if (config.regularizationAutomatic() && data.fitCount() > 0) {
            ModelConfig chosen = config.withRegularizationFor(data.fitCount());
            progress.accept(String.format(
                    Locale.ROOT,
                    "regularisation for %,d fit examples: dropout %s, l2 %s%s",
                    data.fitCount(),
                    chosen.dropout(),
                    chosen.l2(),
                    config.dropout() == null && config.l2() == null ? "" : " (one of them configured)"));
            return new Trainer(chosen, progress).train(data, truth, yardsticks);
        }
        int k = data.taskCount();
        if (data.size() == 0 || data.fitCount() == 0) {
            throw new TrainingException("no training examples"
                    + (data.stats() == null
                            ? ""
                            : " (" + data.stats().purgedExposures()
                                    + " purged: their horizon reaches the validation period)")
                    + ": refusing to train a model on nothing");
        }
        if (data.selectionCount() == 0) {
            throw new TrainingException("no selection examples (" + data.trainCount()
                    + " training examples): early stopping needs the end of the training period");
        }
        if (data.validationCount() == 0) {
            throw new TrainingException(
                    "no validation examples (" + data.size() + " examples in all): the model card needs some");
        }
        long known = 0;
        for (int i = 0; i < data.fitCount() * k; i++) {
            known += data.mask()[i] > 0 ? 1 : 0;
        }
        if (known == 0) {
            throw new TrainingException("every training example is censored for every stage: no labels to learn from");
        }
        FeatureSpec spec = data.features().spec();
        List<String> stages = data.stageNames();
        requireBothClasses(data, stages);
        TrainingGraph g = new TrainingGraph(spec, config, stages);
        try {
            return run(
                    g,
                    data,
                    spec,
                    stages,
                    yardsticks != null ? yardsticks : Reports.yardsticks(data, config.seed(), truth));
        } catch (RuntimeException e) {
            g.close();
            throw e;
        }
    }

    /**
     * Every stage needs a known positive and a known negative among the fit rows: with one class
     * only (e.g. every exposure censored because the funnel horizon is longer than the log, so only
     * the positives are labelled) the model learns a constant, P = 1 or 0 for everything, and the
     * validation metrics, computed on the same one-class labels, cannot show it.
     */
    private static void requireBothClasses(ExampleSet data, List<String> stages) {
        int k = data.taskCount();
        int train = data.fitCount();
        for (int t = 0; t < k; t++) {
            long pos = 0;
            long neg = 0;
            for (int i = 0; i < train; i++) {
                if (data.mask()[i * k + t] > 0) {
                    if (data.labels()[i * k + t] > 0.5f) {
                        pos++;
                    } else {
                        neg++;
                    }
                }
            }
            if (pos == 0 || neg == 0) {
                throw new TrainingException(String.format(
                        Locale.ROOT,
                        "stage %s has %d known positives and %d known negatives among %d training examples: a model cannot learn from one class "
                                + "(%s); is the funnel horizon (%s) longer than the data?",
                        stages.get(t),
                        pos,
                        neg,
                        train,
                        data.stats() == null
                                ? ""
                                : data.stats().censoredExposures() + " of " + data.size() + " exposures censored",
                        data.funnel() == null ? "?" : data.funnel().horizon()));
            }
        }
    }

    private TrainedModel run(
            TrainingGraph g, ExampleSet data, FeatureSpec spec, List<String> stages, Reports.Yardsticks yardsticks) {
        int k = stages.size();
        int bs = config.batchSize();
        int train = data.fitCount();
        int selection = data.selectionCount();
        EncodedBatch scratch = new EncodedBatch(spec, bs);
        float[] lab = new float[bs * k];
        float[] msk = new float[bs * k];
        int[] nxt = new int[bs];
        // the table serves every row not fitted on; a training step feeds its rows' out-of-fold numbers instead
        ItemRateInputs itemRates = config.itemRates() ? ItemRateInputs.of(data) : null;
        int rw = itemRates == null ? 0 : itemRates.width();
        float[] rat = new float[bs * rw];
        if (itemRates != null) {
            g.model.params().set(g.session, ModelZoo.ITEM_RATES, itemRates.table());
        }
        boolean aux = g.nextCategory != null;
        List<Double> auxLossByEpoch = new ArrayList<>();
        if (aux) {
            auxLossByEpoch.add(NextCategoryReport.evaluate(g, data, train, selection, 0, List.of())
                    .crossEntropy()); // the untrained model
        }
        int[] order = new int[train];
        for (int i = 0; i < train; i++) {
            order[i] = i;
        }
        Random rng = new Random(config.seed());
        long step = 0;
        double bestLoss = Double.POSITIVE_INFINITY;
        Map<String, float[]> best = null;
        int bestEpoch = 0;
        int sinceBest = 0;
        int epochsRun = 0;
        long trainNanos = 0;
        long trainRows = 0;
        for (int epoch = 1; epoch <= config.epochs(); epoch++) {
            for (int i = train - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            long t0 = System.nanoTime();
            double lossSum = 0;
            int batches = 0;
            for (int from = 0; from < train; from += bs) {
                int n = Math.min(bs, train - from);
                for (int r = 0; r < n; r++) {
                    int src = order[from + r];
                    data.features().copyRow(src, scratch, r);
                    System.arraycopy(data.labels(), src * k, lab, r * k, k);
                    System.arraycopy(data.mask(), src * k, msk, r * k, k);
                    nxt[r] = data.nextCategory()[src];
                    if (rw > 0) {
                        System.arraycopy(itemRates.rows(), src * rw, rat, r * rw, rw);
                    }
                }
                scratch.setRows(n);
                step++;
                float loss = trainStep(g, scratch, lab, msk, nxt, rat, rw, n, k, step);
                if (!Float.isFinite(loss)) {
                    throw new TrainingException(String.format(
                            Locale.ROOT,
                            "training loss became %s at epoch %d, step %d: stopping (learning rate %s too high, or non-finite inputs?)",
                            loss,
                            epoch,
                            step,
                            config.learningRate()));
                }
                lossSum += loss;
                batches++;
            }
            trainNanos += System.nanoTime() - t0;
            trainRows += train;
            epochsRun = epoch;
            float[] ps = predict(g, data.features(), train, selection, k);
            double selLoss = loss(data, ps, train);
            StringBuilder line = new StringBuilder(String.format(
                    Locale.ROOT,
                    "epoch %d/%d  train loss %.4f  selection loss %.4f",
                    epoch,
                    config.epochs(),
                    lossSum / batches,
                    selLoss));
            for (int t = 0; t < k; t++) {
                float[][] col = column(data, ps, t, train, selection);
                line.append(String.format(
                        Locale.ROOT,
                        "  selection AUC %s %.3f (%d pos)",
                        stages.get(t),
                        Evaluation.auc(col[0], col[1], col[2]),
                        countPositives(col[1], col[2])));
            }
            if (aux) {
                NextCategoryReport nc = NextCategoryReport.evaluate(g, data, train, selection, 0, List.of());
                auxLossByEpoch.add(nc.crossEntropy());
                line.append(String.format(
                        Locale.ROOT,
                        "  next category acc %.3f (majority %.3f) CE %.3f",
                        nc.accuracy(),
                        nc.majorityClassAccuracy(),
                        nc.crossEntropy()));
            }
            line.append(String.format(Locale.ROOT, "  %.0f examples/s", trainRows / (trainNanos / 1e9)));
            if (!Double.isFinite(selLoss)) {
                throw new TrainingException("selection loss became " + selLoss + " at epoch " + epoch + ": stopping");
            }
            if (selLoss < bestLoss - 1e-6) {
                bestLoss = selLoss;
                best = g.model.params().read(g.session);
                bestEpoch = epoch;
                sinceBest = 0;
                line.append("  *");
            } else {
                sinceBest++;
            }
            progress.accept(line.toString());
            if (sinceBest > config.patience()) {
                progress.accept("early stop: no better selection loss for " + sinceBest + " epochs; keeping epoch "
                        + bestEpoch);
                break;
            }
        }
        g.model.params().assign(g.session, best);
        float[] psel = Calibration.apply(g, data, best, train, selection, stages, progress);
        double[] selectionAuc = new double[k];
        for (int t = 0; t < k; t++) {
            float[][] col = column(data, psel, t, train, selection);
            selectionAuc[t] = Evaluation.auc(col[0], col[1], col[2]);
        }
        double selectionLoss = loss(data, psel, train);
        float[] pv = predict(g, data.features(), data.trainCount(), data.validationCount(), k);
        List<StageReport> reports = Reports.of(data, pv, config.seed(), yardsticks);
        for (StageReport r : reports) {
            Evaluation.Metrics m = r.model();
            progress.accept(String.format(
                    Locale.ROOT,
                    "validation %s: AUC %s (popularity %s, logistic regression %s%s), logloss %.4f, ECE %.4f, %d positives of %d",
                    r.stage(),
                    r.modelAucText(),
                    r.baselineAucText(Reports.POPULARITY),
                    r.baselineAucText(Reports.LOGISTIC_REGRESSION),
                    r.ceilingAuc() == null ? "" : String.format(Locale.ROOT, ", ceiling %.4f", r.ceilingAuc()),
                    m.logloss(),
                    m.ece(),
                    m.positives(),
                    m.evaluated()));
        }
        NextCategoryReport nextCategory = null;
        if (aux) {
            nextCategory = NextCategoryReport.evaluate(
                    g, data, data.trainCount(), data.validationCount(), config.nextCategoryWeight(), auxLossByEpoch);
            progress.accept(String.format(
                    Locale.ROOT,
                    "validation next category: accuracy %.4f, top-5 %.4f (majority class %.4f), cross-entropy %.4f, %d evaluated",
                    nextCategory.accuracy(),
                    nextCategory.top5Accuracy(),
                    nextCategory.majorityClassAccuracy(),
                    nextCategory.crossEntropy(),
                    nextCategory.evaluated()));
        }
        double examplesPerSec = trainRows / (trainNanos / 1e9);
        int from = data.trainCount();
        DriftReference drift = DriftReference.of(
                stages,
                pv,
                java.util.Arrays.copyOfRange(data.candidatePrices(), from, data.size()),
                java.util.Arrays.copyOfRange(data.userRecencyHours(), from, data.size()),
                userInputs(spec, data, from),
                DriftReference.DEFAULT_BINS);
        return new TrainedModel(
                g,
                config,
                spec,
                data.funnel(),
                stages,
                data.stats(),
                reports,
                pv,
                epochsRun,
                bestEpoch,
                bestLoss,
                selectionAuc,
                selectionLoss,
                examplesPerSec,
                nextCategory,
                drift);
    }

    private static long countPositives(float[] y, float[] m) {
        long n = 0;
        for (int i = 0; i < y.length; i++) {
            if (m[i] > 0 && y[i] > 0.5f) {
                n++;
            }
        }
        return n;
    }

    /** Stage t's predictions, labels and mask over the validation rows. */
    static float[][] column(ExampleSet data, float[] pv, int t) {
        return column(data, pv, t, data.trainCount(), data.validationCount());
    }

    /** Stage t's predictions ({@code pv} covers rows [from, from + n)), labels and mask. */
    static float[][] column(ExampleSet data, float[] pv, int t, int from, int n) {
        int k = data.taskCount();
        float[] p = new float[n];
        float[] y = new float[n];
        float[] m = new float[n];
        for (int i = 0; i < n; i++) {
            int row = from + i;
            p[i] = pv[i * k + t];
            y[i] = data.labels()[row * k + t];
            m[i] = data.mask()[row * k + t];
        }
        return new float[][] {p, y, m};
    }

    /** The summed per-stage log loss of predictions {@code pv} of the rows from {@code from} on. */
    static double loss(ExampleSet data, float[] pv, int from) {
        double sum = 0;
        for (int t = 0; t < data.taskCount(); t++) {
            float[][] col = column(data, pv, t, from, pv.length / data.taskCount());
            double l = Evaluation.logloss(col[0], col[1], col[2]);
            if (!Double.isNaN(l)) {
                sum += l;
            }
        }
        return sum;
    }

    private float trainStep(
            TrainingGraph g,
            EncodedBatch b,
            float[] lab,
            float[] msk,
            int[] nxt,
            float[] rates,
            int rw,
            int n,
            int k,
            long step) {
        Map<String, Tensor> in = Feeds.tensors(b, 0, n);
        try (TFloat32 itemRates = rw == 0
                        ? null
                        : TFloat32.tensorOf(
                                Shape.of(n, rw),
                                DataBuffers.of(rates, true, false).slice(0, (long) n * rw));
                TFloat32 keep =
                        g.model.dropoutKeep() == null ? null : TFloat32.scalarOf((float) (1 - config.dropout()));
                TInt32 next = g.nextCategory == null
                        ? null
                        : TInt32.tensorOf(
                                Shape.of(n), DataBuffers.of(nxt, true, false).slice(0, n));
                TFloat32 y = TFloat32.tensorOf(
                        Shape.of(n, k), DataBuffers.of(lab, true, false).slice(0, (long) n * k));
                TFloat32 m = TFloat32.tensorOf(
                        Shape.of(n, k), DataBuffers.of(msk, true, false).slice(0, (long) n * k));
                TFloat32 b1 = TFloat32.scalarOf((float) Math.pow(TrainingGraph.BETA1, step));
                TFloat32 b2 = TFloat32.scalarOf((float) Math.pow(TrainingGraph.BETA2, step))) {
            Session.Runner r = g.session.runner();
            in.forEach((name, t) -> r.feed(g.model.inputs().get(name), t));
            if (next != null) {
                r.feed(g.nextCategory, next);
            }
            if (itemRates != null) {
                r.feed(g.model.itemRates(), itemRates);
            }
            if (keep != null) {
                r.feed(g.model.dropoutKeep(), keep);
            }
            r.feed(g.labels, y)
                    .feed(g.mask, m)
                    .feed(g.beta1Power, b1)
                    .feed(g.beta2Power, b2)
                    .addTarget(g.step)
                    .fetch(g.loss);
            try (Result res = r.run()) {
                return ((TFloat32) res.get(0)).getFloat();
            }
        } finally {
            Feeds.close(in);
        }
    }

    /** P(reach stage) for rows [from, from + count) of {@code b}: float[count · K], stage-minor. */
    static float[] predict(TrainingGraph g, EncodedBatch b, int from, int count, int k) {
        float[] out = new float[count * k];
        float[] col = new float[EVAL_CHUNK];
        for (int off = 0; off < count; off += EVAL_CHUNK) {
            int n = Math.min(EVAL_CHUNK, count - off);
            Map<String, Tensor> in = Feeds.tensors(b, from + off, n);
            try {
                Session.Runner r = g.session.runner();
                in.forEach((name, t) -> r.feed(g.model.inputs().get(name), t));
                g.model.reach().forEach(r::fetch);
                try (Result res = r.run()) {
                    for (int t = 0; t < k; t++) {
                        ((TFloat32) res.get(t))
                                .copyTo(DataBuffers.of(col, false, false).slice(0, n));
                        for (int i = 0; i < n; i++) {
                            out[(off + i) * k + t] = col[i];
                        }
                    }
                }
            } finally {
                Feeds.close(in);
            }
        }
        return out;
    }

    /**
     * The validation rows' {@code user_dense} slots whose drift is watched, by {@link FeatureSpec#userInputNames}
     * name: the numbers the scoring job publishes per prediction ({@code Prediction.user_inputs}).
     */
    static java.util.Map<String, double[]> userInputs(FeatureSpec spec, ExampleSet data, int from) {
        String[] names = spec.userInputNames();
        int dense = spec.denseWidth();
        float[] all = data.features().userDense;
        java.util.Map<String, double[]> out = new java.util.LinkedHashMap<>();
        for (int slot = 0; slot < names.length; slot++) {
            if (names[slot] == null) continue;
            double[] col = new double[data.size() - from];
            for (int r = from; r < data.size(); r++) col[r - from] = all[r * dense + slot];
            out.put(names[slot], col);
        }
        return out;
    }
}
