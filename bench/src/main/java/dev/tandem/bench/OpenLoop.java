package dev.tandem.bench;

import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop schedule, the pacing of every load a bench offers at a fixed rate: item {@code i} is due at
 * {@code start + i / rate}, whatever happened to the items before it. Latency is measured from an item's due time,
 * never from when it was actually sent: a sender that stalls (GC, a busy core, a blocking send) then counts against
 * the system under test, where a timestamp taken at the send would hide the stall (coordinated omission, as wrk2
 * accounts for it). Thread-safe once built.
 */
public final class OpenLoop {
    private final long startNanos;
    private final double intervalNanos;
    private final long spinNanos;
    private final long wallOffsetNanos;

    /**
     * @param startNanos the first item's due time ({@link System#nanoTime()} clock)
     * @param spinNanos  how close to a due time a waiting thread stops parking and spins: 0 (park only) where latencies are
     *                   milliseconds and cores are scarce; ~200 µs where they are sub-millisecond, since a park wakes up to
     *                   ~50 µs late and that lateness would be measured
     */
    public OpenLoop(double ratePerSecond, long startNanos, long spinNanos) {
        if (!(ratePerSecond > 0)) throw new IllegalArgumentException("rate must be > 0, got " + ratePerSecond);
        if (spinNanos < 0) throw new IllegalArgumentException("spinNanos must be >= 0");
        this.startNanos = startNanos;
        this.intervalNanos = 1e9 / ratePerSecond;
        this.spinNanos = spinNanos;
        this.wallOffsetNanos = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
    }

    /** A schedule whose first item is due {@code delayNanos} from now. */
    public static OpenLoop startingIn(double ratePerSecond, long delayNanos, long spinNanos) {
        return new OpenLoop(ratePerSecond, System.nanoTime() + delayNanos, spinNanos);
    }

    public long startNanos() {
        return startNanos;
    }

    /** When item {@code i} is due, on the {@link System#nanoTime()} clock. */
    public long dueNanos(long i) {
        return startNanos + (long) (i * intervalNanos);
    }

    /** When item {@code i} is due, in wall-clock milliseconds (rounded down): the record timestamp of a scheduled send. */
    public long dueWallMillis(long i) {
        return wallMillis(dueNanos(i));
    }

    /** A {@link System#nanoTime()} reading in wall-clock milliseconds (rounded down), on this schedule's clock pairing. */
    public long wallMillis(long nanoTime) {
        return Math.floorDiv(nanoTime + wallOffsetNanos, 1_000_000L);
    }

    /** Waits until item {@code i} is due (at once if it is late); returns how late it is now, in nanoseconds (≥ 0). */
    public long awaitDue(long i) {
        long due = dueNanos(i);
        long wait;
        while ((wait = due - System.nanoTime()) > 0) {
            if (wait > spinNanos) LockSupport.parkNanos(wait - spinNanos / 2);
            else Thread.onSpinWait();
        }
        return -wait;
    }
}
