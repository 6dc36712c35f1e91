package dev.tandem.connect.sink;

/** The JMX view of {@link SinkMetrics}. */
public interface SinkMetricsMBean {
    long getRecordsWritten();

    long getRecordsSkippedStale();

    long getStoreFailures();

    long getLastBatchMicros();

    /** The slowest batch since the task started, decode to store acknowledgement: a latency tail's share of the store. */
    long getMaxBatchMicros();

    long getBatches();
}
