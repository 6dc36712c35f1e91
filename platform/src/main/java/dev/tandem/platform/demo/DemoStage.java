package dev.tandem.platform.demo;

/**
 * One part of {@code tandem demo}: the cluster, the event generator, the live view, and later
 * the features app, scoring and monitoring. The runner starts stages in list order, then waits
 * for each to finish its part in the same order, then closes them in reverse order; close runs
 * after a failure or Ctrl-C too, so every stage must release what it started.
 */
public interface DemoStage extends AutoCloseable {
    String name();

    /** Starts the stage and returns once it is running (e.g. the cluster answers, a thread is up). */
    void start(DemoContext ctx) throws Exception;

    /** Blocks until the stage has done its part; returns early when {@link DemoContext#stopping()}. */
    default void awaitDone(DemoContext ctx) throws Exception {}

    /** Idempotent; must not throw for a stage that never started. */
    @Override
    void close() throws Exception;
}
