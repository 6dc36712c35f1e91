package dev.tandem.bench.scoring;

import java.time.Duration;
import java.util.Optional;

/** A streaming job the scoring bench drives: the real scoring job ({@link ScoringBenchJob}) or its Flink-only reference ({@link BareFlinkJob}). */
public interface BenchJob extends AutoCloseable {
    /** Waits until the job has read every record of its features (and items) topics as they are now. */
    boolean awaitFeaturesLoaded(Duration timeout) throws Exception;

    /** Why the job ended, when it ended on its own; empty while it runs. */
    Optional<String> failure();

    /** Cancels the job (open transactions are aborted) and waits for it to end. */
    @Override
    void close() throws Exception;
}
