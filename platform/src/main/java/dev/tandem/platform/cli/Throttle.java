package dev.tandem.platform.cli;

import java.util.concurrent.locks.LockSupport;

/** Holds a loop to a wall-clock rate: the n-th item is released no earlier than n / rate seconds after the first. */
final class Throttle {
    private final double nanosPerItem;
    private long start = -1;

    /** @param perSecond 0 or less for no limit */
    Throttle(double perSecond) {
        this.nanosPerItem = perSecond > 0 ? 1e9 / perSecond : 0;
    }

    void await(long n) throws InterruptedException {
        if (nanosPerItem == 0) return;
        if (start < 0) start = System.nanoTime();
        long due = start + (long) (n * nanosPerItem);
        long wait;
        // Sleeping below a millisecond costs more than it saves; batches of events go out together instead.
        while ((wait = due - System.nanoTime()) > 1_000_000) {
            LockSupport.parkNanos(wait);
            if (Thread.interrupted()) throw new InterruptedException();
        }
    }
}
