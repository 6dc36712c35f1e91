package dev.tandem.model.zoo;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Stack;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The layers the model zoo builds its models from, in TF Java Ops, every variable created through {@link Params}:
 * dense layers and MLPs with dropout, gates, pooling, DIN-style attention, a transformer block, field self-attention.
 * What a funnel model is made of is {@link ModelZoo}'s; how each piece computes is here.
 */
abstract class Layers {
    final Ops tf;
    final Params p;
    /** Embedding width. */
    final int d;
    /** Sequence length. */
    final int l;

    final int attentionHidden;
    private final long seed;

    /** The dropout keep probability (a training step feeds 1 − dropout; 1 otherwise); null without dropout. */
    final Operand<TFloat32> keep;

    private long dropoutOps;

    /** @param dropout 0 for none (and always for a serving graph) */
    Layers(Ops tf, Params p, int d, int l, int attentionHidden, long seed, double dropout) {
        this.tf = tf;
        this.p = p;
        this.d = d;
        this.l = l;
        this.attentionHidden = attentionHidden;
        this.seed = seed;
        this.keep = dropout > 0
                ? tf.withName("dropout_keep").placeholderWithDefault(tf.constant(1f), Shape.scalar())
                : null;
    }

    /** Inverted dropout at the fed keep probability; the identity when none is fed, and absent from serving. */
    Operand<TFloat32> dropout(Operand<TFloat32> x) {
        if (keep == null) {
            return x;
        }
        Operand<TFloat32> u = tf.random.randomUniform(
                tf.shape(x),
                TFloat32.class,
                org.tensorflow.op.random.RandomUniform.seed(seed),
                org.tensorflow.op.random.RandomUniform.seed2(++dropoutOps));
        return tf.math.div(tf.math.mul(x, tf.math.floor(tf.math.add(u, keep))), keep);
    }

    /** Column t of [B, n] as [B]. */
    Operand<TFloat32> column(Operand<TFloat32> m, int t) {
        return tf.reshape(
                tf.slice(m, tf.constant(new int[] {0, t}), tf.constant(new int[] {-1, 1})),
                tf.constant(new int[] {-1}));
    }

    /** log σ(z) = −softplus(−z) = −(max(−z, 0) + log1p(exp(−|z|))). */
    Operand<TFloat32> logSigmoid(Operand<TFloat32> z) {
        Operand<TFloat32> sp = tf.math.add(
                tf.math.maximum(tf.math.neg(z), tf.constant(0f)),
                tf.math.log1p(tf.math.exp(tf.math.neg(tf.math.abs(z)))));
        return tf.math.neg(sp);
    }

    Operand<TFloat32> meanPool(Operand<TFloat32> e, Operand<TFloat32> mask) {
        Operand<TFloat32> m = tf.expandDims(mask, tf.constant(2));
        Operand<TFloat32> sum = tf.reduceSum(tf.math.mul(e, m), tf.constant(1));
        Operand<TFloat32> n = tf.math.maximum(tf.reduceSum(mask, tf.constant(1)), tf.constant(1f));
        return tf.math.div(sum, tf.expandDims(n, tf.constant(1)));
    }

    /**
     * DIN-style target attention: score_i = w · relu(e_i·A + q·B + (e_i ⊙ q)·C + (e_i − q)·E + b);
     * weights = masked softmax over the kept events; an all-padding sequence pools to zero.
     */
    Operand<TFloat32> targetAttention(String name, Operand<TFloat32> e, Operand<TFloat32> q, Operand<TFloat32> mask) {
        return attentionPool(e, attentionScores(name, e, q), mask);
    }

    /** The DIN scorer's unnormalised scores [B, L] of the sequence elements e against the query q. */
    Operand<TFloat32> attentionScores(String name, Operand<TFloat32> e, Operand<TFloat32> q) {
        int h = attentionHidden;
        Operand<TFloat32> q3 = tf.expandDims(q, tf.constant(1)); // [B,1,D]
        Operand<TFloat32> prod = tf.math.mul(e, q3); // [B,L,D]
        Operand<TFloat32> diff = tf.math.sub(e, q3);
        Operand<TFloat32> a = tf.math.add(
                tf.math.add(seqDense(name + "/e", e, d, h), seqDense(name + "/p", prod, d, h)),
                seqDense(name + "/d", diff, d, h));
        Operand<TFloat32> qb = tf.expandDims(tf.linalg.matMul(q, p.weight(name + "/q", d, h)), tf.constant(1));
        a = tf.nn.relu(tf.math.add(tf.math.add(a, qb), p.vector(name + "/b", h, 0f)));
        return tf.reshape(seqDense(name + "/score", a, h, 1), tf.constant(new int[] {-1, l})); // [B,L]
    }

    /** Masked softmax of the scores over the kept elements, and their weighted mean; no kept element: zero. */
    Operand<TFloat32> attentionPool(Operand<TFloat32> e, Operand<TFloat32> score, Operand<TFloat32> mask) {
        Operand<TFloat32> penalty = tf.math.mul(tf.math.sub(mask, tf.constant(1f)), tf.constant(1e9f));
        Operand<TFloat32> w = tf.math.mul(tf.nn.softmax(tf.math.add(score, penalty)), mask);
        Operand<TFloat32> norm = tf.math.add(tf.reduceSum(w, tf.constant(1)), tf.constant(1e-9f));
        Operand<TFloat32> pooled = tf.reduceSum(tf.math.mul(e, tf.expandDims(w, tf.constant(2))), tf.constant(1));
        return tf.math.div(pooled, tf.expandDims(norm, tf.constant(1)));
    }

    /**
     * AutoInt: one single-head self-attention layer over feature fields [B, d] each, with a residual projection
     * and a relu; flattened to [B, fields · d].
     */
    Operand<TFloat32> fieldAttention(String name, List<Operand<TFloat32>> fields) {
        int n = fields.size();
        Operand<TFloat32> x = tf.stack(fields, Stack.axis(1L)); // [B,F,D]
        Operand<TFloat32> qm = rowsDense(name + "/wq", x, n, d, d);
        Operand<TFloat32> km = rowsDense(name + "/wk", x, n, d, d);
        Operand<TFloat32> vm = rowsDense(name + "/wv", x, n, d, d);
        Operand<TFloat32> scores = tf.math.mul(
                tf.reduceSum(
                        tf.math.mul(tf.expandDims(qm, tf.constant(2)), tf.expandDims(km, tf.constant(1))),
                        tf.constant(3)),
                tf.constant((float) (1.0 / Math.sqrt(d)))); // [B,F,F]
        Operand<TFloat32> attn = tf.nn.softmax(scores);
        Operand<TFloat32> ctx = tf.reduceSum(
                tf.math.mul(tf.expandDims(attn, tf.constant(3)), tf.expandDims(vm, tf.constant(1))),
                tf.constant(2)); // [B,F,D]
        Operand<TFloat32> out = tf.nn.relu(tf.math.add(ctx, rowsDense(name + "/res", x, n, d, d)));
        return tf.reshape(out, tf.constant(new int[] {-1, n * d}));
    }

    /** x [B, n, in] · W [in, out] → [B, n, out] (no bias). */
    Operand<TFloat32> rowsDense(String name, Operand<TFloat32> x, int n, int in, int out) {
        Operand<TFloat32> flat = tf.reshape(x, tf.constant(new int[] {-1, in}));
        Operand<TFloat32> y = tf.linalg.matMul(flat, p.weight(name, in, out));
        return tf.reshape(y, tf.constant(new int[] {-1, n, out}));
    }

    /** One transformer block (single-head self-attention over kept events, position embeddings, FFN, layer norms). */
    Operand<TFloat32> transformer(String name, Operand<TFloat32> e, Operand<TFloat32> mask) {
        Operand<TFloat32> pos = p.weight(name + "/position", l, d);
        Operand<TFloat32> x = tf.math.add(e, tf.expandDims(pos, tf.constant(0)));
        Operand<TFloat32> qm = seqDense(name + "/wq", x, d, d);
        Operand<TFloat32> km = seqDense(name + "/wk", x, d, d);
        Operand<TFloat32> vm = seqDense(name + "/wv", x, d, d);
        // batched products by broadcasting (Mul and Sum have C++ gradients; [B,L,L,D] is small for L ≤ 50)
        Operand<TFloat32> qk = tf.math.mul(tf.expandDims(qm, tf.constant(2)), tf.expandDims(km, tf.constant(1)));
        Operand<TFloat32> scores =
                tf.math.mul(tf.reduceSum(qk, tf.constant(3)), tf.constant((float) (1.0 / Math.sqrt(d)))); // [B,L,L]
        Operand<TFloat32> keyPenalty =
                tf.expandDims(tf.math.mul(tf.math.sub(mask, tf.constant(1f)), tf.constant(1e9f)), tf.constant(1));
        Operand<TFloat32> attn = tf.nn.softmax(tf.math.add(scores, keyPenalty));
        Operand<TFloat32> ctx = tf.reduceSum(
                tf.math.mul(tf.expandDims(attn, tf.constant(3)), tf.expandDims(vm, tf.constant(1))), tf.constant(2));
        Operand<TFloat32> h = layerNorm(name + "/ln1", tf.math.add(x, seqDense(name + "/wo", ctx, d, d)));
        Operand<TFloat32> ff = seqDense(name + "/ff2", tf.nn.relu(seqDense(name + "/ff1", h, d, 2 * d)), 2 * d, d);
        Operand<TFloat32> out = layerNorm(name + "/ln2", tf.math.add(h, ff));
        return tf.math.mul(out, tf.expandDims(mask, tf.constant(2)));
    }

    Operand<TFloat32> layerNorm(String name, Operand<TFloat32> x) {
        Operand<TInt32> axis = tf.constant(-1);
        Operand<TFloat32> mean = tf.math.mean(x, axis, org.tensorflow.op.math.Mean.keepDims(true));
        Operand<TFloat32> c = tf.math.sub(x, mean);
        Operand<TFloat32> var = tf.math.mean(tf.math.mul(c, c), axis, org.tensorflow.op.math.Mean.keepDims(true));
        Operand<TFloat32> n = tf.math.mul(c, tf.math.rsqrt(tf.math.add(var, tf.constant(1e-5f))));
        return tf.math.add(tf.math.mul(n, p.vector(name + "/gamma", d, 1f)), p.vector(name + "/beta", d, 0f));
    }

    /** x [B, L, in] · W [in, out] → [B, L, out] (no bias). */
    Operand<TFloat32> seqDense(String name, Operand<TFloat32> x, int in, int out) {
        Operand<TFloat32> flat = tf.reshape(x, tf.constant(new int[] {-1, in}));
        Operand<TFloat32> y = tf.linalg.matMul(flat, p.weight(name, in, out));
        return tf.reshape(y, tf.constant(new int[] {-1, l, out}));
    }

    Operand<TFloat32> gate(String name, Operand<TFloat32> x, int xw, List<Operand<TFloat32>> experts) {
        Operand<TFloat32> g = tf.nn.softmax(dense(name, x, xw, experts.size(), false)); // [B,E]
        Operand<TFloat32> stacked = tf.stack(experts, Stack.axis(1L)); // [B,E,H]
        return tf.reduceSum(tf.math.mul(stacked, tf.expandDims(g, tf.constant(2))), tf.constant(1));
    }

    Operand<TFloat32> mlp(String name, Operand<TFloat32> x, int in, List<Integer> widths) {
        Operand<TFloat32> h = x;
        int w = in;
        for (int i = 0; i < widths.size(); i++) {
            h = dropout(dense(name + "/" + i, h, w, widths.get(i), true));
            w = widths.get(i);
        }
        return h;
    }

    Operand<TFloat32> dense(String name, Operand<TFloat32> x, int in, int out, boolean relu) {
        Operand<TFloat32> y =
                tf.math.add(tf.linalg.matMul(x, p.weight(name + "/w", in, out)), p.vector(name + "/b", out, 0f));
        return relu ? tf.nn.relu(y) : y;
    }

    Operand<TFloat32> concat(List<Operand<TFloat32>> parts) {
        return tf.concat(parts, tf.constant(1));
    }

    static int last(List<Integer> widths) {
        return widths.get(widths.size() - 1);
    }
}
