package dev.tandem.model.train;

import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.zoo.FunnelGraph;
import dev.tandem.model.zoo.ModelConfig;
import dev.tandem.model.zoo.ModelZoo;
import dev.tandem.model.zoo.Params;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Unique;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The training graph: the model, masked funnel losses on the exposure space, and Adam updates —
 * dense {@code ApplyAdam} for dense variables, and a row-sparse ("lazy") Adam for embedding tables
 * that touches only the rows gathered in the batch.
 *
 * <p>Why not {@code org.tensorflow.framework.optimizers.Adam}: in TF Java 1.1 the gradient of
 * {@code tf.gather} w.r.t. the table comes out of the C++ gradient registry as a dense
 * {@code UnsortedSegmentSum} of the table's full shape and {@code ApplyAdam} then updates every
 * row (measured: the framework's Adam on a gathered table builds {@code UnsortedSegmentSum →
 * ApplyAdam}). Here the gradient is taken w.r.t. the gathered rows instead, summed per unique id,
 * and the table, m and v are updated with {@code ScatterUpdate} on those rows only.
 *
 * <p>Loss: for stage k, log P(reach k) = Σ_{j≤k} log σ(z_j); binary cross-entropy of P(reach k)
 * against the label, averaged over the examples known for that stage (mask), summed over stages;
 * plus, with the auxiliary task, its weight × the mean cross-entropy of the next event's category
 * over the examples that have a next event.
 */
final class TrainingGraph implements AutoCloseable {
    static final float BETA1 = 0.9f;
    static final float BETA2 = 0.999f;
    static final float EPSILON = 1e-7f;
    /**
     * L2 on the gathered rows of the wide part's hashed crosses (added to their gradient): without it they memorise the
     * fit rows within an epoch (selection AUC on generated data 0.819 at 0 against 0.823 at 0.01 and 0.829 at 0.1).
     */
    static final float CROSS_L2 = 0.1f;

    final Graph graph;
    final Session session;
    final FunnelGraph model;
    final Placeholder<TFloat32> labels;
    final Placeholder<TFloat32> mask;
    final Placeholder<TFloat32> beta1Power;
    final Placeholder<TFloat32> beta2Power;
    final Operand<TFloat32> loss;
    /** The auxiliary next-category task: its label (0 = masked) and masked mean cross-entropy; null when off. */
    final Placeholder<TInt32> nextCategory;

    final Operand<TFloat32> nextCategoryLoss;
    final Op step;
    private final List<Op> slotInits = new ArrayList<>();

    TrainingGraph(FeatureSpec spec, ModelConfig cfg, List<String> stages) {
        graph = new Graph();
        Ops tf = Ops.create(graph);
        Params params = new Params(tf, cfg.seed());
        model = ModelZoo.build(tf, spec, cfg, stages, params);
        int k = stages.size();
        labels = tf.withName("labels").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, k)));
        mask = tf.withName("label_mask").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, k)));
        beta1Power = tf.withName("beta1_power").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
        beta2Power = tf.withName("beta2_power").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));

        Operand<TFloat32> total = null;
        for (int t = 0; t < k; t++) {
            Operand<TFloat32> y = column(tf, labels, t, k);
            Operand<TFloat32> m = column(tf, mask, t, k);
            Operand<TFloat32> logp = tf.math.minimum(model.logReach().get(t), tf.constant(-1e-7f));
            Operand<TFloat32> log1mp = tf.math.log(tf.math.neg(tf.math.expm1(logp)));
            Operand<TFloat32> bce = tf.math.neg(
                    tf.math.add(tf.math.mul(y, logp), tf.math.mul(tf.math.sub(tf.constant(1f), y), log1mp)));
            Operand<TFloat32> taskLoss = tf.math.div(
                    tf.reduceSum(tf.math.mul(bce, m), tf.constant(0)),
                    tf.math.maximum(tf.reduceSum(m, tf.constant(0)), tf.constant(1f)));
            total = total == null ? taskLoss : tf.math.add(total, taskLoss);
        }
        if (model.hasNextCategoryHead()) {
            nextCategory =
                    tf.withName("next_category_label").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
            int classes = spec.feature(FeatureSpec.CAND_CATEGORY).vocabulary();
            // log-softmax and a one-hot pick: both have C++ gradients in TF Java
            Operand<TFloat32> logp = tf.nn.logSoftmax(model.nextCategoryLogits());
            Operand<TFloat32> picked = tf.reduceSum(
                    tf.math.mul(logp, tf.oneHot(nextCategory, tf.constant(classes), tf.constant(1f), tf.constant(0f))),
                    tf.constant(1));
            Operand<TFloat32> m = tf.dtypes.cast(tf.math.notEqual(nextCategory, tf.constant(0)), TFloat32.class);
            nextCategoryLoss = tf.withName("next_category_loss")
                    .math
                    .div(
                            tf.math.neg(tf.reduceSum(tf.math.mul(picked, m), tf.constant(0))),
                            tf.math.maximum(tf.reduceSum(m, tf.constant(0)), tf.constant(1f)));
            total = tf.math.add(total, tf.math.mul(tf.constant((float) cfg.nextCategoryWeight()), nextCategoryLoss));
        } else {
            nextCategory = null;
            nextCategoryLoss = null;
        }
        loss = tf.withName("loss").identity(total);

        // gradients w.r.t. dense variables and w.r.t. the gathered rows of embedding tables
        List<Params.Param> dense =
                params.all().stream().filter(p -> p.kind() == Params.Kind.DENSE).toList();
        List<Params.Lookup> lookups = params.lookups();
        Output<?>[] xs = new Output<?>[dense.size() + lookups.size()];
        for (int i = 0; i < dense.size(); i++) {
            xs[i] = dense.get(i).variable().asOutput();
        }
        for (int i = 0; i < lookups.size(); i++) {
            xs[dense.size() + i] = lookups.get(i).rows().asOutput();
        }
        Output<?>[] grads = graph.addGradients(loss.asOutput(), xs);
        // Variables here are reference variables, read when an op runs: without a barrier an update could
        // overwrite a weight that a not-yet-run gradient op still reads, and the result would depend on
        // scheduling. Every update waits until all gradients (and so the forward pass) are computed.
        List<Op> gradOps = new ArrayList<>();
        for (Output<?> g : grads) {
            @SuppressWarnings({"unchecked", "rawtypes"})
            Op id = tf.identity((Operand) g);
            gradOps.add(id);
        }
        gradOps.add(tf.identity(loss));
        Op gradientsDone =
                tf.withControlDependencies(gradOps).withName("gradients_done").noOp();
        tf = tf.withControlDependencies(List.of(gradientsDone));

        float lr = cfg.learningRate().floatValue();
        Operand<TFloat32> lrC = tf.constant(lr);
        // the wide part starts at zero and early stopping comes after a few epochs: it learns at its own, larger rate
        Operand<TFloat32> wideLr = tf.constant((float) (lr * cfg.wideLearningRateScale()));
        Operand<TFloat32> b1 = tf.constant(BETA1);
        Operand<TFloat32> b2 = tf.constant(BETA2);
        Operand<TFloat32> eps = tf.constant(EPSILON);
        List<Op> updates = new ArrayList<>();
        for (int i = 0; i < dense.size(); i++) {
            Params.Param p = dense.get(i);
            Variable<TFloat32> m = slot(tf, p, "m");
            Variable<TFloat32> v = slot(tf, p, "v");
            @SuppressWarnings("unchecked")
            Operand<TFloat32> g = (Operand<TFloat32>) grads[i];
            if (cfg.l2Weight() > 0 && p.name().endsWith("/w") && !p.name().startsWith("wide")) {
                g = tf.math.add(g, tf.math.mul(tf.constant((float) cfg.l2Weight()), p.variable()));
            }
            updates.add(tf.train.applyAdam(
                    p.variable(),
                    m,
                    v,
                    beta1Power,
                    beta2Power,
                    p.name().startsWith("wide") ? wideLr : lrC,
                    b1,
                    b2,
                    eps,
                    g));
        }
        // lazy Adam: lr_t = lr · sqrt(1 − β2^t) / (1 − β1^t)
        Operand<TFloat32> correction = tf.math.div(
                tf.math.sqrt(tf.math.sub(tf.constant(1f), beta2Power)), tf.math.sub(tf.constant(1f), beta1Power));
        Operand<TFloat32> lrT = tf.math.mul(lrC, correction);
        Operand<TFloat32> wideLrT = tf.math.mul(wideLr, correction);
        Map<String, List<Integer>> byTable = new LinkedHashMap<>();
        for (int i = 0; i < lookups.size(); i++) {
            byTable.computeIfAbsent(lookups.get(i).table().name(), x -> new ArrayList<>())
                    .add(i);
        }
        for (Map.Entry<String, List<Integer>> en : byTable.entrySet()) {
            Params.Param table = params.get(en.getKey());
            long dim = table.shape().get(1);
            List<Operand<TInt32>> ids = new ArrayList<>();
            List<Operand<TFloat32>> gs = new ArrayList<>();
            for (int i : en.getValue()) {
                ids.add(tf.reshape(lookups.get(i).ids(), tf.constant(new int[] {-1})));
                @SuppressWarnings("unchecked")
                Operand<TFloat32> g = (Operand<TFloat32>) grads[dense.size() + i];
                gs.add(tf.reshape(g, tf.constant(new int[] {-1, (int) dim})));
            }
            Operand<TInt32> allIds = ids.size() == 1 ? ids.get(0) : tf.concat(ids, tf.constant(0));
            Operand<TFloat32> allG = gs.size() == 1 ? gs.get(0) : tf.concat(gs, tf.constant(0));
            Unique<TInt32, TInt32> u = tf.unique(allIds, tf.constant(new int[] {0}));
            Operand<TFloat32> g = tf.math.unsortedSegmentSum(allG, u.idx(), tf.size(u.y()));
            Variable<TFloat32> m = slot(tf, table, "m");
            Variable<TFloat32> v = slot(tf, table, "v");
            Operand<TInt32> rows = u.y();
            float l2 = table.name().equals(ModelZoo.WIDE_CROSSES)
                    ? CROSS_L2
                    : cfg.l2().floatValue();
            if (l2 > 0) {
                g = tf.math.add(g, tf.math.mul(tf.constant(l2), tf.gather(table.variable(), rows, tf.constant(0))));
            }
            Operand<TFloat32> mNew = tf.math.add(
                    tf.math.mul(b1, tf.gather(m, rows, tf.constant(0))), tf.math.mul(tf.constant(1 - BETA1), g));
            Operand<TFloat32> vNew = tf.math.add(
                    tf.math.mul(b2, tf.gather(v, rows, tf.constant(0))),
                    tf.math.mul(tf.constant(1 - BETA2), tf.math.mul(g, g)));
            Operand<TFloat32> wNew = tf.math.sub(
                    tf.gather(table.variable(), rows, tf.constant(0)),
                    tf.math.div(tf.math.mul(lrT, mNew), tf.math.add(tf.math.sqrt(vNew), eps)));
            updates.add(tf.scatterUpdate(m, rows, mNew));
            updates.add(tf.scatterUpdate(v, rows, vNew));
            updates.add(tf.scatterUpdate(table.variable(), rows, wNew));
        }
        step = Ops.create(graph)
                .withControlDependencies(updates)
                .withName("train_step")
                .noOp();

        // one thread per op, ops in order: the same seed gives the same weights
        ConfigProto config = ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(1)
                .setInterOpParallelismThreads(1)
                .build();
        session = new Session(graph, config);
        params.assign(session, params.initialValues());
        Session.Runner r = session.runner();
        slotInits.forEach(r::addTarget);
        r.run().close();
    }

    private Variable<TFloat32> slot(Ops ignored, Params.Param p, String which) {
        Ops tf = Ops.create(graph); // no control dependencies: slots are initialised before any step
        Variable<TFloat32> s =
                tf.withName(Params.opName(p.name()) + ".adam_" + which).variable(p.shape(), TFloat32.class);
        slotInits.add(tf.assign(s, tf.zeros(tf.constant(p.shape()), TFloat32.class)));
        return s;
    }

    private static Operand<TFloat32> column(Ops tf, Operand<TFloat32> m, int t, int k) {
        return tf.reshape(
                tf.slice(m, tf.constant(new int[] {0, t}), tf.constant(new int[] {-1, 1})),
                tf.constant(new int[] {-1}));
    }

    @Override
    public void close() {
        session.close();
        graph.close();
    }
}
