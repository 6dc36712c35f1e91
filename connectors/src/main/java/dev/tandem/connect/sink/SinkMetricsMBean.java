package dev.tandem.connect.sink;

/** The JMX view of {@link SinkMetrics}. */
public interface SinkMetricsMBean {
    long getRecordsWritten();

    long getRecordsSkippedStale();

    long getStoreFailures();

    long getLastBatchMicros();
}
