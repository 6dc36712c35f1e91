package dev.tandem.features.sequence;

/** What {@link SequenceUpdater#apply} did with one event. */
public enum UpdateOutcome {
    /** Folded into the sequence, counters and category table; the sequence version grew by one. */
    ACCEPTED,
    /** Its event id is among the remembered ones: ignored (counted in {@code duplicateEvents}). */
    DUPLICATE,
    /** Older than the user's latest event time minus the grace: ignored (counted in {@code lateEvents}). */
    LATE
}
