package dev.tandem.features.sequence;

import java.util.Arrays;

/** Open-addressing set of non-zero longs (linear probing, backward-shift deletion); fixed capacity. */
final class LongHashSet {
    private final long[] table;
    private final int mask;
    private int size;

    /** Room for {@code maxSize} keys at a load factor of at most 1/2. */
    LongHashSet(int maxSize) {
        int cap = Integer.highestOneBit(Math.max(4, maxSize * 2 - 1)) << 1;
        table = new long[cap];
        mask = cap - 1;
    }

    private int home(long key) {
        return (int) (key ^ (key >>> 32)) & mask; // keys are already well-mixed hashes
    }

    boolean contains(long key) {
        for (int i = home(key); ; i = (i + 1) & mask) {
            long k = table[i];
            if (k == key) {
                return true;
            }
            if (k == 0) {
                return false;
            }
        }
    }

    boolean add(long key) {
        int i = home(key);
        while (true) {
            long k = table[i];
            if (k == key) {
                return false;
            }
            if (k == 0) {
                table[i] = key;
                size++;
                return true;
            }
            i = (i + 1) & mask;
        }
    }

    boolean remove(long key) {
        int i = home(key);
        while (true) {
            long k = table[i];
            if (k == 0) {
                return false;
            }
            if (k == key) {
                break;
            }
            i = (i + 1) & mask;
        }
        // backward-shift deletion keeps every probe chain unbroken
        int hole = i;
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            long k = table[j];
            if (k == 0) {
                break;
            }
            int h = home(k);
            // move k into the hole if its home is not cyclically in (hole, j]
            boolean inRange = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j);
            if (!inRange) {
                table[hole] = k;
                hole = j;
            }
        }
        table[hole] = 0;
        size--;
        return true;
    }

    int size() {
        return size;
    }

    void clear() {
        Arrays.fill(table, 0);
        size = 0;
    }
}
