package dev.tandem.datasets.replay;

/** Progress callbacks from a replay, on the replaying thread. */
public interface ReplayListener {
    ReplayListener NONE = new ReplayListener() {};

    /** Every few thousand rows and at the end. */
    default void progress(long bytesRead, long rowsRead, long eventsSent) {}

    /** Every malformed line, as it is found (the result keeps only the first few). */
    default void malformed(MalformedLine line) {}
}
