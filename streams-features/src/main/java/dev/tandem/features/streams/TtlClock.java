package dev.tandem.features.streams;

/** The clock a user's idleness is measured against by the TTL punctuator. */
public enum TtlClock {
    /**
     * The highest event time the task has accepted (its own stream time of valid events): a user
     * expires when others' events have moved TTL past its latest one. Replays of old logs expire
     * users as the log would have, and nothing expires while the input is stopped.
     */
    EVENT_TIME,
    /** The wall clock: a user expires TTL after its latest event time, input or not. */
    WALL_CLOCK
}
