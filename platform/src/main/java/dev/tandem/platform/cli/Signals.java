package dev.tandem.platform.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Turns Ctrl-C and SIGTERM into a latch the command waits on, so a long-running command stops
 * its components itself and exits 0, instead of the JVM starting its shutdown (exit 130/143)
 * while those components are still running. A shutdown hook stays as the safety net for exits
 * that do not go through here.
 */
final class Signals {
    /** The last installed, for {@link #simulate}. */
    private static volatile Signals latest;

    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile String received;
    private final Thread toInterrupt;

    private Signals(Thread toInterrupt) {
        this.toInterrupt = toInterrupt;
    }

    /** Installs handlers for INT and TERM; on JVMs without sun.misc.Signal only the shutdown hook remains. */
    static Signals install(Thread toInterrupt) {
        Signals s = new Signals(toInterrupt);
        latest = s;
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> s.stop("SIG" + sig.getName()));
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                // Signal not available on this platform (e.g. TERM on some Windows JVMs).
            }
        }
        return s;
    }

    private void stop(String signal) {
        received = signal;
        stop.countDown();
        if (toInterrupt != null) toInterrupt.interrupt();
    }

    /**
     * As if {@code signal} had arrived for the command that installed handlers last: how a test stops a long-running
     * command it runs in-process, without signalling its own JVM.
     */
    static void simulate(String signal) {
        Signals s = latest;
        if (s != null) s.stop(signal);
    }

    void await() throws InterruptedException {
        stop.await();
    }

    boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        return stop.await(timeout, unit);
    }

    boolean stopped() {
        return stop.getCount() == 0;
    }

    String received() {
        return received;
    }
}
