package dev.tandem.features.sequence;

/**
 * The positions of a fixed-capacity ring kept in logical order, oldest at {@link #head}; the entries
 * live in the owner's parallel primitive arrays (its columns), so a sequence holds no object per entry.
 * Both rings of {@link BehaviourSequence} (kept events, remembered ids) are sorted by (time, id hash)
 * and grow by insertion, which is why opening a gap is here once rather than per ring.
 */
final class Ring {
    final int cap;
    private final Object[] columns;
    int head;
    int size;

    /** @param columns the owner's arrays of length {@code cap}, one entry per slot (any primitive or object array) */
    Ring(int cap, Object... columns) {
        this.cap = cap;
        this.columns = columns;
    }

    /** The physical slot of logical position {@code logical} (0 = oldest). */
    int slot(int logical) {
        int p = head + logical;
        return p >= cap ? p - cap : p;
    }

    /** Forgets the oldest entry; its slot becomes the free one after the newest. */
    void dropOldest() {
        head = head + 1 == cap ? 0 : head + 1;
        size--;
    }

    /**
     * Opens a gap at logical position {@code p} (0 ≤ p ≤ size &lt; cap): entries {@code [p, size)} move one
     * place up in every column, size grows by one. Returns the gap's slot, for the caller to fill. Arrivals in
     * order insert at the end and move nothing; an out-of-order one moves runs with {@code System.arraycopy}.
     */
    int openAt(int p) {
        for (int i = size; i > p; ) {
            int to = slot(i);
            if (to == 0) { // the entry before slot 0 sits at the end of the arrays
                for (Object c : columns) {
                    System.arraycopy(c, cap - 1, c, 0, 1);
                }
                i--;
                continue;
            }
            int run = Math.min(i - p, to); // logical [i − run, i) sit contiguously at [to − run, to)
            for (Object c : columns) {
                System.arraycopy(c, to - run, c, to - run + 1, run);
            }
            i -= run;
        }
        size++;
        return slot(p);
    }
}
