package dev.tandem.model.zoo;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Assign;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The model's variables, created through this registry so that (1) initial values are drawn in
 * Java from a seeded RNG per variable name (repeatable, independent of creation order), (2) every
 * variable is set from Java through a placeholder-fed assign (the same path restores trained values
 * into a clean inference graph for export), and (3) embedding lookups are recorded, so the trainer
 * can update only the gathered rows.
 */
public final class Params {
    /** Dense variables get dense Adam; embedding tables get row-sparse (lazy) Adam. */
    public enum Kind {
        DENSE,
        EMBEDDING,
        /** Not trained: set after training (each stage's inverse temperature), saved with the model. */
        FIXED
    }

    /** One variable. */
    public record Param(
            String name,
            Shape shape,
            Kind kind,
            Variable<TFloat32> variable,
            Placeholder<TFloat32> value,
            Assign<TFloat32> assign) {
        public int size() {
            return Math.toIntExact(shape.size());
        }
    }

    /** One {@code tf.gather} of an embedding table: the ids and the gathered rows. */
    public record Lookup(Param table, Operand<TInt32> ids, Operand<TFloat32> rows) {}

    private final Ops tf;
    private final long seed;
    private final Map<String, Param> params = new LinkedHashMap<>();
    private final List<Lookup> lookups = new ArrayList<>();
    private final Map<String, float[]> initial = new LinkedHashMap<>();

    public Params(Ops tf, long seed) {
        this.tf = tf;
        this.seed = seed;
    }

    public Ops tf() {
        return tf;
    }

    /** A weight matrix, Glorot-uniform initialised. */
    public Variable<TFloat32> weight(String name, long in, long out) {
        double limit = Math.sqrt(6.0 / (in + out));
        return create(name, Shape.of(in, out), Kind.DENSE, rng -> (float) ((rng.nextDouble() * 2 - 1) * limit));
    }

    /** A bias or any vector, constant-initialised. */
    /** An [in, out] matrix with every entry {@code value} (e.g. 0 for the linear part of Wide &amp; Deep). */
    public Variable<TFloat32> constantWeight(String name, long in, long out, float value) {
        return create(name, Shape.of(in, out), Kind.DENSE, rng -> value);
    }

    /** A vector the optimizer leaves alone ({@link Kind#FIXED}), constant-initialised. */
    public Variable<TFloat32> fixed(String name, long n, float value) {
        return create(name, Shape.of(n), Kind.FIXED, rng -> value);
    }

    /** A [rows, dim] table of zeros (a linear part's weights start at zero). */
    public Variable<TFloat32> zeroTable(String name, long rows, long dim, Kind kind) {
        return create(name, Shape.of(rows, dim), kind, rng -> 0f);
    }

    /** A [rows, dim] table the optimizer leaves alone ({@link Kind#FIXED}), zero until {@link #set}. */
    public Variable<TFloat32> fixedTable(String name, long rows, long dim) {
        return create(name, Shape.of(rows, dim), Kind.FIXED, rng -> 0f);
    }

    public Variable<TFloat32> vector(String name, long n, float value) {
        return create(name, Shape.of(n), Kind.DENSE, rng -> value);
    }

    /** A [rows, dim] table, N(0, 0.05²); row 0 (padding) starts at zero. */
    public Variable<TFloat32> table(String name, long rows, long dim, Kind kind) {
        Variable<TFloat32> v = create(name, Shape.of(rows, dim), kind, rng -> (float) (rng.nextGaussian() * 0.05));
        float[] init = initial.get(name);
        for (int i = 0; i < dim; i++) {
            init[i] = 0f;
        }
        return v;
    }

    /** Gathers rows of an embedding table (recorded for sparse updates). */
    public Operand<TFloat32> lookup(String tableName, Operand<TInt32> ids) {
        Param p = params.get(tableName);
        if (p == null) {
            throw new IllegalArgumentException("no table " + tableName);
        }
        Operand<TFloat32> rows = tf.gather(p.variable(), ids, tf.constant(0));
        if (p.kind() == Kind.EMBEDDING) {
            lookups.add(new Lookup(p, ids, rows));
        }
        return rows;
    }

    private interface Init {
        float next(SplittableRandom rng);
    }

    private Variable<TFloat32> create(String name, Shape shape, Kind kind, Init init) {
        if (params.containsKey(name)) {
            throw new IllegalArgumentException("duplicate variable " + name);
        }
        String op = opName(name);
        Variable<TFloat32> v = tf.withName(op).variable(shape, TFloat32.class);
        Placeholder<TFloat32> value = tf.withName(op + "_value").placeholder(TFloat32.class, Placeholder.shape(shape));
        Assign<TFloat32> assign = tf.withName(op + "_set").assign(v, value);
        params.put(name, new Param(name, shape, kind, v, value, assign));
        SplittableRandom rng = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * fnv(name)));
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = init.next(rng);
        }
        initial.put(name, values);
        return v;
    }

    /** TF op names take no '/' from {@code withName}: "emb/item" becomes the op "emb.item". */
    public static String opName(String name) {
        return name.replace('/', '.');
    }

    private static long fnv(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xFF;
            h *= 0x100000001b3L;
        }
        return h;
    }

    public List<Param> all() {
        return List.copyOf(params.values());
    }

    public Param get(String name) {
        return params.get(name);
    }

    public List<Lookup> lookups() {
        return Collections.unmodifiableList(lookups);
    }

    /** The seeded initial values, by variable name. */
    public Map<String, float[]> initialValues() {
        return Collections.unmodifiableMap(initial);
    }

    /** Sets every variable from {@code values} (by name; all must be present). */
    public void assign(Session session, Map<String, float[]> values) {
        List<Tensor> open = new ArrayList<>();
        try {
            Session.Runner r = session.runner();
            for (Param p : params.values()) {
                float[] v = values.get(p.name());
                if (v == null || v.length != p.size()) {
                    throw new IllegalArgumentException("no value of size " + p.size() + " for variable " + p.name());
                }
                TFloat32 t = TFloat32.tensorOf(p.shape(), DataBuffers.of(v, true, false));
                open.add(t);
                r.feed(p.value(), t).addTarget(p.assign());
            }
            r.run().close();
        } finally {
            open.forEach(Tensor::close);
        }
    }

    /** Sets one variable. */
    public void set(Session session, String name, float[] v) {
        Param p = params.get(name);
        if (p == null || v.length != p.size()) {
            throw new IllegalArgumentException("no variable " + name + " of size " + v.length);
        }
        try (TFloat32 t = TFloat32.tensorOf(p.shape(), DataBuffers.of(v, true, false))) {
            session.runner().feed(p.value(), t).addTarget(p.assign()).run().close();
        }
    }

    /** The current values of every variable, by name. */
    public Map<String, float[]> read(Session session) {
        Map<String, float[]> out = new LinkedHashMap<>();
        Session.Runner r = session.runner();
        List<Param> list = all();
        for (Param p : list) {
            r.fetch(p.variable());
        }
        try (Result res = r.run()) {
            for (int i = 0; i < list.size(); i++) {
                Param p = list.get(i);
                float[] v = new float[p.size()];
                ((TFloat32) res.get(i)).copyTo(DataBuffers.of(v, false, false));
                out.put(p.name(), v);
            }
        }
        return out;
    }
}
