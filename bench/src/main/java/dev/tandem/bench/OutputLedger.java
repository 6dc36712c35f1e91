package dev.tandem.bench;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One output per input, checked: every output a run wrote is entered under the identity of the input it answers (a
 * group and a number in it: a user and the sequence version, an id prefix and the event's or request's number), so a
 * second output for the same input is a duplicate and an input without one is missing. Read the outputs to the end
 * (not up to the expected count, which would stop before a late duplicate), then {@link #requireExactly}.
 * Thread-safe.
 */
public final class OutputLedger {
    private static final int EXAMPLES = 5;

    private final Map<String, BitSet> seen = new HashMap<>();
    private final List<String> duplicateExamples = new ArrayList<>();
    private long records;
    private long distinct;
    private long duplicates;
    private long valueBytes;

    /**
     * Enters one output, answering input {@code number} of {@code group}, with its value's size; returns false if that
     * input already had one (a duplicate).
     */
    public synchronized boolean add(String group, long number, int valueBytes) {
        if (number < 0 || number > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("output identity out of range: " + group + " " + number);
        }
        records++;
        this.valueBytes += valueBytes;
        BitSet bits = seen.computeIfAbsent(group, g -> new BitSet());
        if (bits.get((int) number)) {
            duplicates++;
            if (duplicateExamples.size() < EXAMPLES) duplicateExamples.add("(" + group + ", " + number + ")");
            return false;
        }
        bits.set((int) number);
        distinct++;
        return true;
    }

    /** Outputs entered, duplicates included. */
    public synchronized long records() {
        return records;
    }

    /** Inputs with at least one output. */
    public synchronized long distinct() {
        return distinct;
    }

    public synchronized long duplicates() {
        return duplicates;
    }

    /** Mean value size of the outputs entered, in bytes (0 if none). */
    public synchronized double meanValueBytes() {
        return records == 0 ? 0 : (double) valueBytes / records;
    }

    /**
     * Fails with a message naming what is wrong unless every one of {@code expected} inputs has exactly one output: no
     * duplicate, none missing, none beyond the inputs.
     *
     * @param what the run, as the message names it
     * @param identity what an identity is, for the message (e.g. "(user_id, sequence_version)")
     */
    public synchronized void requireExactly(long expected, String what, String identity) {
        if (duplicates == 0 && distinct == expected) return;
        List<String> problems = new ArrayList<>();
        if (duplicates > 0) {
            problems.add(String.format(
                    Locale.ROOT,
                    "%,d duplicate output(s) (same %s twice, e.g. %s)",
                    duplicates,
                    identity,
                    String.join(", ", duplicateExamples)));
        }
        if (distinct < expected)
            problems.add(
                    String.format(Locale.ROOT, "%,d of %,d inputs without an output", expected - distinct, expected));
        if (distinct > expected)
            problems.add(String.format(Locale.ROOT, "%,d distinct outputs for %,d inputs", distinct, expected));
        throw new IllegalStateException(what + ": one output per input broken: " + String.join("; ", problems)
                + String.format(Locale.ROOT, " (%,d output records read to the end of the topic)", records));
    }
}
