package dev.tandem.features.drift;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One dimension of a drift reference: bin edges over a number (a stage's predicted probability, a candidate's
 * price…) and how many reference values fell in each bin, plus how many were missing. Online values are counted
 * into the same bins ({@link #bin}) and compared with {@link Psi}.
 *
 * <p>Bins: with edges {@code e_1 < … < e_m}, bin 0 is {@code (-∞, e_1)}, bin j is {@code [e_j, e_{j+1})}, bin m is
 * {@code [e_m, ∞)}, and bin m + 1 holds missing values (NaN: an unknown price, a user without history). So a
 * count array has {@link #width()} = m + 2 slots; {@link #expected()} is the reference's.
 *
 * @param edges   strictly ascending, finite
 * @param counts  reference values per bin, {@code edges.length + 1} of them
 * @param missing reference values that were missing
 */
public record DriftBins(double[] edges, long[] counts, long missing) {
    public DriftBins {
        edges = edges.clone();
        counts = counts.clone();
        for (int i = 0; i < edges.length; i++) {
            if (!Double.isFinite(edges[i]) || (i > 0 && edges[i] <= edges[i - 1])) {
                throw new IllegalArgumentException(
                        "bin edges must be finite and strictly ascending: " + Arrays.toString(edges));
            }
        }
        if (counts.length != edges.length + 1) {
            throw new IllegalArgumentException(
                    "need " + (edges.length + 1) + " counts for " + edges.length + " edges, got " + counts.length);
        }
        for (long c : counts) {
            if (c < 0) throw new IllegalArgumentException("negative count " + c);
        }
        if (missing < 0) throw new IllegalArgumentException("negative missing count " + missing);
    }

    /**
     * Edges at the quantiles of the known values (NaN is missing): the value at rank ⌊q·n/bins⌋ for q = 1 … bins − 1,
     * repeats and the minimum dropped, so ties (a common price) make fewer, wider bins rather than empty ones.
     * Each bin then holds about 1/bins of the reference.
     */
    public static DriftBins quantiles(double[] values, int bins) {
        if (bins < 1) throw new IllegalArgumentException("bins must be at least 1");
        double[] known =
                Arrays.stream(values).filter(v -> !Double.isNaN(v)).sorted().toArray();
        long missing = values.length - known.length;
        List<Double> edges = new ArrayList<>();
        for (int q = 1; q < bins && known.length > 0; q++) {
            double e = known[(int) ((long) q * known.length / bins)];
            if (!Double.isFinite(e)) continue;
            if (e > known[0] && (edges.isEmpty() || e > edges.get(edges.size() - 1))) edges.add(e);
        }
        double[] a = edges.stream().mapToDouble(Double::doubleValue).toArray();
        long[] counts = new long[a.length + 1];
        DriftBins shape = new DriftBins(a, counts, 0);
        for (double v : known) counts[shape.bin(v)]++;
        return new DriftBins(a, counts, missing);
    }

    /** Slots of a count array: the bins, then the missing slot. */
    public int width() {
        return edges.length + 2;
    }

    /** The slot of {@code value}: its bin, or {@link #missingSlot()} for NaN. */
    public int bin(double value) {
        if (Double.isNaN(value)) return missingSlot();
        int i = Arrays.binarySearch(edges, value);
        // found: value = edges[i], which opens bin i + 1; not found: i = -(insertion point) - 1, edges below = ip
        return i >= 0 ? i + 1 : -i - 1;
    }

    public int missingSlot() {
        return edges.length + 1;
    }

    /** The reference's count array: {@link #counts()} then {@link #missing()}. */
    public long[] expected() {
        long[] e = Arrays.copyOf(counts, width());
        e[missingSlot()] = missing;
        return e;
    }

    public long total() {
        long n = missing;
        for (long c : counts) n += c;
        return n;
    }

    /** {@code {"edges": […], "counts": […], "missing": n}}: the model card's form. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("edges", Arrays.stream(edges).boxed().toList());
        m.put("counts", Arrays.stream(counts).boxed().toList());
        m.put("missing", missing);
        return m;
    }

    /** @throws IllegalArgumentException naming what is wrong */
    public static DriftBins fromMap(Map<?, ?> m) {
        List<?> e = DriftReference.list(m, "edges");
        List<?> c = DriftReference.list(m, "counts");
        double[] edges = new double[e.size()];
        for (int i = 0; i < edges.length; i++)
            edges[i] = DriftReference.number(e.get(i), "edges").doubleValue();
        long[] counts = new long[c.size()];
        for (int i = 0; i < counts.length; i++)
            counts[i] = DriftReference.number(c.get(i), "counts").longValue();
        Object missing = m.get("missing");
        return new DriftBins(
                edges,
                counts,
                missing == null ? 0 : DriftReference.number(missing, "missing").longValue());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DriftBins b
                && Arrays.equals(edges, b.edges)
                && Arrays.equals(counts, b.counts)
                && missing == b.missing;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(edges) * 31 + Arrays.hashCode(counts) + Long.hashCode(missing);
    }

    @Override
    public String toString() {
        return "DriftBins{edges=" + Arrays.toString(edges) + ", counts=" + Arrays.toString(counts) + ", missing="
                + missing + "}";
    }
}
