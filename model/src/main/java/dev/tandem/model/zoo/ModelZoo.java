package dev.tandem.model.zoo;

import dev.tandem.model.data.ItemRateInputs;
import dev.tandem.model.features.FeatureDef;
import dev.tandem.model.features.FeatureSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Builds funnel models in TF Java Ops: the inputs and features every model shares, then one method per
 * {@link Architecture} and per {@link SequenceEncoder}, chosen by {@link ModelConfig}.
 *
 * <pre>
 * sequence element  e_i = cat(seq_category) + action(seq_action) + gap(seq_time_gap) [+ item(seq_item)]
 * candidate query   q   = cat(cand_category) [+ item(cand_item)]
 * item tower        v   = relu(W · [cat, brand, price_bucket (, item)] + b)     — ID-free unless useItemId
 * sequence encoder  s   = mean_i(e_i | mask) | DIN target attention(e, q | mask) | transformer block, then attention
 * matches           m_a = log1p(#kept events of action a on the candidate's category) [and on the candidate item]
 * item rates        r   = table[cand_item]: per stage the item's smoothed conversion rate, its log, its evidence,
 *                         from the training rows (itemRates; a training step feeds r out of fold instead)
 * x                 = [s, s ⊙ q, v, user_dense, m (, cand_history when the spec has it) (, r)]
 * architecture      shared_bottom: h_t = MLP(x) for every task
 *                   mmoe:  h_t = Σ_e softmax(W_t x)_e · expert_e(x)
 *                   ple:   one CGC layer: h_t = Σ softmax(W_t x) · [task experts of t, shared experts](x)
 * field attention   (AutoInt, optional) x += flatten(relu(SelfAttention(F) + F·W)), F = the fields as d-vectors
 * task sequences    (DTRN, optional) h_t ← [h_t, attention of q·W_t over each action's sub-sequence of e]
 * task SE gating    h_t ← h_t ⊙ σ(W2 relu(W1 h_t))                            — optional
 * tower             z_t = w_t · MLP_t(h_t)        logit of P(step t | step t−1)
 * wide (optional)   z_t += u_t · [user_dense, cand_history (, r)] + c_t      — linear, zero-initialised, joint
 *                   (+ Σ hashed one-hot and cross weights of task t with wideCrosses, see crosses())
 * linear            z_t = the wide part alone (architecture "linear": no embeddings, no shared layers)
 * funnel head       log P(reach k) = Σ_{j≤k} log σ(z_j);  output p_&lt;stage&gt; = P(reach k)
 * auxiliary         (training only, optional) next-category logits = W · MLP_aux(h_aux) over the category
 *                   buckets; h_aux = the shared bottom, or its own gate over the (shared) experts
 * </pre>
 * Every embedding lookup is a {@code tf.gather} recorded by {@link Params}, so the trainer updates
 * only the gathered rows.
 */
public final class ModelZoo {
    /**
     * Stage t's logit is multiplied by the variable {@code INVERSE_TEMPERATURE + t}: 1 in training, set afterwards by
     * temperature scaling on the selection slice ({@code train.Calibration}), so the exported probabilities are
     * calibrated per stage.
     */
    public static final String INVERSE_TEMPERATURE = "calibration/inverse_temperature_";
    /**
     * The item-rate table [cand_item vocabulary, {@link ItemRateInputs#PER_TARGET} × stages], set from the training
     * rows before training and exported with the model.
     */
    public static final String ITEM_RATES = "item_rates/table";
    /** The wide part's hashed one-hots and crosses ({@code wideCrosses}): one weight per task per row. */
    public static final String WIDE_CROSSES = "wide_crosses/table";
    /** Rows of {@link #WIDE_CROSSES}: 2^18 (1 MB per task). */
    public static final int CROSS_BUCKETS = 1 << 18;

    private ModelZoo() {}

    /** The model with the auxiliary heads its config asks for (the training graph). */
    public static FunnelGraph build(Ops tf, FeatureSpec spec, ModelConfig cfg, List<String> stages, Params p) {
        return build(tf, spec, cfg, stages, p, true);
    }

    /**
     * @param training false for the serving graph: auxiliary heads exist to shape the shared layers in training, and
     *                 leaving them out keeps the serving signature one output per stage; nor does it have dropout
     */
    public static FunnelGraph build(
            Ops tf, FeatureSpec spec, ModelConfig cfg, List<String> stages, Params p, boolean training) {
        return new Builder(tf, spec, cfg, p, training).build(stages, training && cfg.nextCategoryWeight() > 0);
    }

    private static final class Builder extends Layers {
        final FeatureSpec spec;
        final ModelConfig cfg;

        /** The placeholders of the serving signature, by feature name, and the typed views the graph uses. */
        record Inputs(
                Map<String, Placeholder<?>> all,
                Operand<TInt32> seqItem,
                Operand<TInt32> seqCat,
                Operand<TInt32> seqAction,
                Operand<TInt32> seqGap,
                Operand<TFloat32> userDense,
                Operand<TInt32> candItem,
                Operand<TInt32> candCat,
                Operand<TInt32> candBrand,
                Operand<TInt32> candPrice,
                Operand<TFloat32> candHistory) {}

        /** {@code x}, the input of the shared layers, and its width; the item-rate inputs (null when off). */
        record Features(
                Operand<TFloat32> x,
                int width,
                Operand<TFloat32> itemRates,
                Operand<TFloat32> e,
                Operand<TFloat32> q,
                Operand<TInt32> seqAction,
                Operand<TFloat32> mask) {}

        /**
         * Per sequence position [B, L], 1 or 0: a kept event (not padding); a kept event on the candidate's category;
         * on the candidate item. Built once and shared by the explicit matches and the wide part's crosses.
         */
        record SequenceMasks(Operand<TFloat32> kept, Operand<TFloat32> sameCategory, Operand<TFloat32> sameItem) {}

        SequenceMasks masks(Inputs in) {
            Operand<TFloat32> kept = tf.dtypes.cast(tf.math.notEqual(in.seqAction(), tf.constant(0)), TFloat32.class);
            return new SequenceMasks(
                    kept, matches(in.seqCat(), in.candCat(), kept), matches(in.seqItem(), in.candItem(), kept));
        }

        /** 1 where a kept sequence id [B, L] equals the candidate's [B]. */
        Operand<TFloat32> matches(Operand<TInt32> seq, Operand<TInt32> cand, Operand<TFloat32> kept) {
            return tf.math.mul(
                    tf.dtypes.cast(tf.math.equal(seq, tf.expandDims(cand, tf.constant(1))), TFloat32.class), kept);
        }

        /** What the shared layers give the funnel towers (one input per task), the auxiliary head's input (or null), and their width. */
        record Shared(List<Operand<TFloat32>> perTask, Operand<TFloat32> auxiliary, int width) {}

        Builder(Ops tf, FeatureSpec spec, ModelConfig cfg, Params p, boolean training) {
            super(
                    tf,
                    p,
                    cfg.embeddingDim(),
                    spec.sequenceLength(),
                    cfg.attentionHidden(),
                    cfg.seed(),
                    training ? cfg.dropoutRate() : 0);
            this.spec = spec;
            this.cfg = cfg;
        }

        // The order of the calls below is the order the graph's ops and parameters are created in; the
        // parameters' seeded initial values depend on it, so it is part of what a config means.
        FunnelGraph build(List<String> stages, boolean nextCategoryHead) {
            Inputs in = placeholders();
            SequenceMasks m = masks(in);
            int tasks = stages.size();
            if (cfg.architectureType() == Architecture.LINEAR) {
                // no shared layers for an auxiliary head to shape
                return funnel(
                        in,
                        m,
                        new Features(null, 0, itemRates(in, tasks), null, null, null, null),
                        null,
                        stages,
                        false);
            }
            Features f = features(in, m, tasks);
            Shared shared = switch (cfg.architectureType()) {
                case SHARED_BOTTOM -> sharedBottom(f, tasks);
                case MMOE -> mmoe(f, tasks, nextCategoryHead);
                case PLE -> ple(f, tasks, nextCategoryHead);
                case LINEAR -> throw new AssertionError("built above");
            };
            return funnel(in, m, f, shared, stages, nextCategoryHead);
        }

        @SuppressWarnings("unchecked")
        Inputs placeholders() {
            Map<String, Placeholder<?>> inputs = new LinkedHashMap<>();
            for (FeatureDef f : spec.features()) {
                long[] dims = new long[f.shape().size() + 1];
                dims[0] = -1;
                for (int i = 0; i < f.shape().size(); i++) {
                    dims[i + 1] = f.shape().get(i);
                }
                Placeholder<?> ph = f.isInt()
                        ? tf.withName(f.name()).placeholder(TInt32.class, Placeholder.shape(Shape.of(dims)))
                        : tf.withName(f.name()).placeholder(TFloat32.class, Placeholder.shape(Shape.of(dims)));
                inputs.put(f.name(), ph);
            }
            return new Inputs(
                    inputs,
                    (Operand<TInt32>) inputs.get(FeatureSpec.SEQ_ITEM),
                    (Operand<TInt32>) inputs.get(FeatureSpec.SEQ_CATEGORY),
                    (Operand<TInt32>) inputs.get(FeatureSpec.SEQ_ACTION),
                    (Operand<TInt32>) inputs.get(FeatureSpec.SEQ_TIME_GAP),
                    (Operand<TFloat32>) inputs.get(FeatureSpec.USER_DENSE),
                    (Operand<TInt32>) inputs.get(FeatureSpec.CAND_ITEM),
                    (Operand<TInt32>) inputs.get(FeatureSpec.CAND_CATEGORY),
                    (Operand<TInt32>) inputs.get(FeatureSpec.CAND_BRAND),
                    (Operand<TInt32>) inputs.get(FeatureSpec.CAND_PRICE),
                    (Operand<TFloat32>) inputs.get(FeatureSpec.CAND_HISTORY));
        }

        /** Embeddings, the item tower, the pooled sequence and the explicit matches: {@code x = [s, s ⊙ q, v, user_dense, m]}. */
        Features features(Inputs in, SequenceMasks m, int tasks) {
            boolean ids = cfg.useItemId();
            if (ids) {
                p.table("emb/item", spec.feature(FeatureSpec.CAND_ITEM).vocabulary(), d, Params.Kind.EMBEDDING);
            }
            p.table("emb/category", spec.feature(FeatureSpec.CAND_CATEGORY).vocabulary(), d, Params.Kind.EMBEDDING);
            p.table("emb/brand", spec.feature(FeatureSpec.CAND_BRAND).vocabulary(), d, Params.Kind.EMBEDDING);
            p.table("emb/price", spec.feature(FeatureSpec.CAND_PRICE).vocabulary(), d, Params.Kind.DENSE);
            p.table("emb/action", spec.feature(FeatureSpec.SEQ_ACTION).vocabulary(), d, Params.Kind.DENSE);
            p.table("emb/gap", spec.feature(FeatureSpec.SEQ_TIME_GAP).vocabulary(), d, Params.Kind.DENSE);

            // sequence elements [B, L, D] and their mask [B, L]
            Operand<TFloat32> e = tf.math.add(
                    tf.math.add(p.lookup("emb/category", in.seqCat()), p.lookup("emb/action", in.seqAction())),
                    p.lookup("emb/gap", in.seqGap()));
            if (ids) {
                e = tf.math.add(e, p.lookup("emb/item", in.seqItem()));
            }
            Operand<TFloat32> mask = m.kept();

            // candidate
            Operand<TFloat32> cCat = p.lookup("emb/category", in.candCat());
            Operand<TFloat32> cItem = ids ? p.lookup("emb/item", in.candItem()) : null;
            Operand<TFloat32> q = ids ? tf.math.add(cCat, cItem) : cCat;
            List<Operand<TFloat32>> towerIn = new ArrayList<>(
                    List.of(cCat, p.lookup("emb/brand", in.candBrand()), p.lookup("emb/price", in.candPrice())));
            if (ids) {
                towerIn.add(cItem);
            }
            Operand<TFloat32> itemVec = dense("item_tower", concat(towerIn), towerIn.size() * d, d, true);

            Operand<TFloat32> s = switch (cfg.sequenceEncoderType()) {
                case MEAN -> meanPool(e, mask);
                case TARGET_ATTENTION -> targetAttention("attention", e, q, mask);
                case TRANSFORMER -> targetAttention("attention", transformer("transformer", e, mask), q, mask);
            };
            int dense = spec.denseWidth();
            // explicit matches of the candidate in the sequence, per action: log1p(#same category), log1p(#same item)
            int nA = spec.feature(FeatureSpec.SEQ_ACTION).vocabulary();
            Operand<TFloat32> actions =
                    tf.oneHot(in.seqAction(), tf.constant(nA), tf.constant(1f), tf.constant(0f)); // [B,L,A]
            Operand<TFloat32> sameCat = m.sameCategory();
            Operand<TFloat32> sameItem = m.sameItem();
            Operand<TFloat32> catMatches = tf.math.log1p(
                    tf.reduceSum(tf.math.mul(actions, tf.expandDims(sameCat, tf.constant(2))), tf.constant(1)));
            List<Operand<TFloat32>> parts =
                    new ArrayList<>(List.of(s, tf.math.mul(s, q), itemVec, in.userDense(), catMatches));
            int xw = 3 * d + dense + nA;
            if (ids) {
                parts.add(tf.math.log1p(
                        tf.reduceSum(tf.math.mul(actions, tf.expandDims(sameItem, tf.constant(2))), tf.constant(1))));
                xw += nA;
            }
            if (in.candHistory() != null) {
                parts.add(in.candHistory());
                xw += spec.historyWidth();
            }
            Operand<TFloat32> rates = itemRates(in, tasks);
            if (rates != null) {
                parts.add(rates);
                xw += ItemRateInputs.PER_TARGET * tasks;
            }
            if (cfg.fieldAttention()) {
                // AutoInt: the fields as d-wide vectors, one self-attention layer over them, flattened into x
                List<Operand<TFloat32>> fields = new ArrayList<>(towerIn);
                fields.add(s);
                fields.add(itemVec);
                fields.add(dense("fields/user_dense", in.userDense(), dense, d, false));
                if (in.candHistory() != null) {
                    fields.add(dense("fields/cand_history", in.candHistory(), spec.historyWidth(), d, false));
                }
                if (rates != null) {
                    fields.add(dense("fields/item_rates", rates, ItemRateInputs.PER_TARGET * tasks, d, false));
                }
                parts.add(fieldAttention("fields", fields));
                xw += fields.size() * d;
            }
            return new Features(dropout(concat(parts)), xw, rates, e, q, in.seqAction(), mask);
        }

        /** The candidate's row of the item-rate table, [B, 3 × tasks]; null without {@code itemRates}. */
        Operand<TFloat32> itemRates(Inputs in, int tasks) {
            if (!cfg.itemRates()) {
                return null;
            }
            Variable<TFloat32> table = p.fixedTable(
                    ITEM_RATES, spec.feature(FeatureSpec.CAND_ITEM).vocabulary(), ItemRateInputs.PER_TARGET * tasks);
            return tf.withName("item_rates").gather(table, in.candItem(), tf.constant(0));
        }

        /** {@code h_t = MLP(x)} for every task; the auxiliary head reads the same bottom. */
        Shared sharedBottom(Features f, int tasks) {
            Operand<TFloat32> h = mlp("bottom", f.x(), f.width(), cfg.hidden());
            List<Operand<TFloat32>> perTask = new ArrayList<>();
            for (int t = 0; t < tasks; t++) {
                perTask.add(h);
            }
            return new Shared(perTask, h, last(cfg.hidden()));
        }

        /** {@code h_t = Σ_e softmax(W_t x)_e · expert_e(x)}; the auxiliary head gets its own gate over the experts. */
        Shared mmoe(Features f, int tasks, boolean nextCategoryHead) {
            List<Operand<TFloat32>> experts = new ArrayList<>();
            for (int i = 0; i < cfg.experts(); i++) {
                experts.add(mlp("expert" + i, f.x(), f.width(), cfg.hidden()));
            }
            List<Operand<TFloat32>> perTask = new ArrayList<>();
            for (int t = 0; t < tasks; t++) {
                perTask.add(gate("gate" + t, f.x(), f.width(), experts));
            }
            Operand<TFloat32> aux = nextCategoryHead ? gate("aux/next_category/gate", f.x(), f.width(), experts) : null;
            return new Shared(perTask, aux, last(cfg.hidden()));
        }

        /** One CGC layer: {@code h_t = Σ softmax(W_t x) · [task experts of t, shared experts](x)}; the auxiliary head gates over the shared experts. */
        Shared ple(Features f, int tasks, boolean nextCategoryHead) {
            List<Operand<TFloat32>> shared = new ArrayList<>();
            for (int i = 0; i < cfg.experts(); i++) {
                shared.add(mlp("shared_expert" + i, f.x(), f.width(), cfg.hidden()));
            }
            List<Operand<TFloat32>> perTask = new ArrayList<>();
            for (int t = 0; t < tasks; t++) {
                List<Operand<TFloat32>> mine = new ArrayList<>();
                for (int i = 0; i < cfg.taskExperts(); i++) {
                    mine.add(mlp("task" + t + "_expert" + i, f.x(), f.width(), cfg.hidden()));
                }
                mine.addAll(shared);
                perTask.add(gate("cgc_gate" + t, f.x(), f.width(), mine));
            }
            Operand<TFloat32> aux = nextCategoryHead ? gate("aux/next_category/gate", f.x(), f.width(), shared) : null;
            return new Shared(perTask, aux, last(cfg.hidden()));
        }

        /** Optional SE gating, a tower and a logit per task, chained into P(reach stage); then the auxiliary head. */
        FunnelGraph funnel(
                Inputs in, SequenceMasks m, Features f, Shared shared, List<String> stages, boolean nextCategoryHead) {
            int hw = shared == null ? 0 : shared.width();
            List<Operand<TFloat32>> logits = new ArrayList<>();
            List<Operand<TFloat32>> logReach = new ArrayList<>();
            List<Operand<TFloat32>> reach = new ArrayList<>();
            Operand<TFloat32> cum = null;
            boolean linear = shared == null;
            Operand<TFloat32> crosses =
                    (linear || cfg.wide()) && cfg.wideCrosses() ? crosses(in, m, stages.size()) : null;
            for (int t = 0; t < stages.size(); t++) {
                Operand<TFloat32> z;
                if (linear) {
                    z = wide("wide" + t, in, f.itemRates(), stages.size()); // the wide part alone
                } else {
                    Operand<TFloat32> h = shared.perTask().get(t);
                    int w = hw;
                    if (cfg.taskSequences()) {
                        List<Operand<TFloat32>> own = taskSequences("dtrn/task" + t, f);
                        own.add(0, h);
                        w += (own.size() - 1) * d;
                        h = concat(own);
                    }
                    z = tf.reshape(deepLogit(t, h, w), tf.constant(new int[] {-1}));
                    if (cfg.wide()) {
                        z = tf.math.add(z, wide("wide" + t, in, f.itemRates(), stages.size()));
                    }
                }
                if (crosses != null) {
                    z = tf.math.add(z, column(crosses, t));
                }
                // 1 while training; the trainer then fits it on the selection slice (temperature scaling)
                z = tf.math.mul(z, p.fixed(INVERSE_TEMPERATURE + t, 1, 1f));
                logits.add(z);
                Operand<TFloat32> ls = logSigmoid(z);
                cum = cum == null ? ls : tf.math.add(cum, ls);
                logReach.add(cum);
                reach.add(
                        tf.withName(FunnelGraph.outputName(stages.get(t))).math.exp(cum));
            }
            Operand<TFloat32> nextCategory = null;
            if (nextCategoryHead) {
                // its own tower over the shared bottom / experts: the task shapes the shared layers, not the funnel
                // towers
                Operand<TFloat32> auxIn = shared.auxiliary();
                Operand<TFloat32> t = cfg.towerHidden().isEmpty()
                        ? auxIn
                        : mlp("aux/next_category/tower", auxIn, hw, cfg.towerHidden());
                int tw = cfg.towerHidden().isEmpty() ? hw : last(cfg.towerHidden());
                nextCategory = dense(
                        "aux/next_category/logits",
                        t,
                        tw,
                        spec.feature(FeatureSpec.CAND_CATEGORY).vocabulary(),
                        false);
            }
            return new FunnelGraph(
                    spec,
                    cfg,
                    List.copyOf(stages),
                    in.all(),
                    logits,
                    logReach,
                    reach,
                    p,
                    nextCategory,
                    f.itemRates(),
                    keep);
        }

        /**
         * The hashed one-hots and crosses of the wide part, one weight per task each, summed: [B, tasks]. What the
         * logistic regression baseline has and a dense linear term cannot express: the candidate's item, category,
         * brand, price bucket and category × price; bags of the sequence's categories and actions (weight 1/L); per
         * sequence event on the candidate's category, its action, action × time gap and candidate category × action;
         * per event on the candidate item, its action and action × time gap. Each (field, value) hashes into one
         * table of {@link #CROSS_BUCKETS} rows (value × an odd constant + the field's offset, mod the table: one
         * field's values never collide among themselves), zero at the start and updated row-sparse.
         */
        Operand<TFloat32> crosses(Inputs in, SequenceMasks m, int tasks) {
            p.zeroTable(WIDE_CROSSES, CROSS_BUCKETS, tasks, Params.Kind.EMBEDDING);
            Operand<TFloat32> mask = m.kept();
            Operand<TFloat32> bag = tf.math.div(mask, tf.constant((float) l));
            Operand<TFloat32> sameCat = m.sameCategory();
            Operand<TFloat32> sameItem = m.sameItem();
            Operand<TInt32> actionGap =
                    tf.math.add(tf.math.mul(in.seqAction(), tf.constant(64)), in.seqGap()); // [B, L]
            Operand<TInt32> catAction = tf.math.add(
                    tf.math.mul(tf.expandDims(in.candCat(), tf.constant(1)), tf.constant(16)), in.seqAction());
            List<Operand<TFloat32>> sum = new ArrayList<>();
            sum.add(cross(1, in.candItem(), null));
            sum.add(cross(2, in.candCat(), null));
            sum.add(cross(3, in.candBrand(), null));
            sum.add(cross(4, in.candPrice(), null));
            sum.add(cross(5, tf.math.add(tf.math.mul(in.candCat(), tf.constant(64)), in.candPrice()), null));
            sum.add(cross(6, in.seqCat(), bag));
            sum.add(cross(7, in.seqAction(), bag));
            sum.add(cross(8, in.seqAction(), sameCat));
            sum.add(cross(9, actionGap, sameCat));
            sum.add(cross(10, catAction, sameCat));
            sum.add(cross(11, in.seqAction(), sameItem));
            sum.add(cross(12, actionGap, sameItem));
            return tf.math.addN(sum);
        }

        /** One field's weights: ids [B] → [B, tasks]; ids [B, L] with weights [B, L] → their weighted sum [B, tasks]. */
        Operand<TFloat32> cross(int field, Operand<TInt32> ids, Operand<TFloat32> weights) {
            Operand<org.tensorflow.types.TInt64> wide = tf.math.add(
                    tf.math.mul(tf.dtypes.cast(ids, org.tensorflow.types.TInt64.class), tf.constant(0x9E3779B1L)),
                    tf.constant(field * 0x85EBCA6BL));
            Operand<TInt32> slot =
                    tf.dtypes.cast(tf.math.floorMod(wide, tf.constant((long) CROSS_BUCKETS)), TInt32.class);
            Operand<TFloat32> rows = p.lookup(WIDE_CROSSES, slot);
            if (weights == null) {
                return rows;
            }
            return tf.reduceSum(tf.math.mul(rows, tf.expandDims(weights, tf.constant(2))), tf.constant(1));
        }

        /** Task t's deep logit [B, 1]: optional SE gating of its input {@code h} (width hw), its tower, a dense unit. */
        Operand<TFloat32> deepLogit(int t, Operand<TFloat32> h, int hw) {
            if (cfg.taskSeGating()) {
                int r = Math.max(1, hw / 4);
                Operand<TFloat32> g = tf.math.sigmoid(
                        dense("se" + t + "/up", dense("se" + t + "/down", h, hw, r, true), r, hw, false));
                h = tf.math.mul(h, g);
            }
            Operand<TFloat32> tower = cfg.towerHidden().isEmpty() ? h : mlp("tower" + t, h, hw, cfg.towerHidden());
            int tw = cfg.towerHidden().isEmpty() ? hw : last(cfg.towerHidden());
            return dense("logit" + t, tower, tw, 1, false);
        }

        /** The linear (wide) logit over the dense inputs: u · [user_dense, cand_history, item rates] + c, zero at the start. */
        Operand<TFloat32> wide(String name, Inputs in, Operand<TFloat32> itemRates, int tasks) {
            List<Operand<TFloat32>> parts = new ArrayList<>(List.of(in.userDense()));
            int w = spec.denseWidth();
            if (in.candHistory() != null) {
                parts.add(in.candHistory());
                w += spec.historyWidth();
            }
            if (itemRates != null) {
                parts.add(itemRates);
                w += ItemRateInputs.PER_TARGET * tasks;
            }
            Operand<TFloat32> x = parts.size() == 1 ? parts.get(0) : concat(parts);
            Operand<TFloat32> y = tf.math.add(
                    tf.linalg.matMul(x, p.constantWeight(name + "/w", w, 1, 0f)), p.vector(name + "/b", 1, 0f));
            return tf.reshape(y, tf.constant(new int[] {-1}));
        }

        /**
         * DTRN's task-specific bottom representation: the task's own query (a projection of the candidate's) attends
         * over each action's sub-sequence (views, carts, purchases, …) separately; one scorer per task, one masked
         * pool per action: [B, d] per action.
         */
        List<Operand<TFloat32>> taskSequences(String name, Features f) {
            Operand<TFloat32> q = tf.linalg.matMul(f.q(), p.weight(name + "/query", d, d));
            Operand<TFloat32> score = attentionScores(name, f.e(), q);
            List<Operand<TFloat32>> pools = new ArrayList<>();
            int nA = spec.feature(FeatureSpec.SEQ_ACTION).vocabulary();
            for (int a = 1; a < nA; a++) {
                Operand<TFloat32> only = tf.math.mul(
                        f.mask(), tf.dtypes.cast(tf.math.equal(f.seqAction(), tf.constant(a)), TFloat32.class));
                pools.add(attentionPool(f.e(), score, only));
            }
            return pools;
        }
    }
}
