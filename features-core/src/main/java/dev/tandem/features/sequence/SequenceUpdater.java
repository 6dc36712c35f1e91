package dev.tandem.features.sequence;

import dev.tandem.schemas.UserEvent;

/**
 * The update rule of a user's {@link BehaviourSequence}: one event in, the sequence mutated in place,
 * an {@link UpdateOutcome} out. The Kafka Streams processor and the offline replay both call this,
 * so online and offline features are the same.
 *
 * <ol>
 *   <li>An event whose id is remembered is a {@link UpdateOutcome#DUPLICATE} and changes nothing but
 *       the duplicate count. Ids are remembered while their event is within the grace of the latest
 *       time (and among the newest {@code dedupCapacity}); a copy of an older event is LATE by rule 2.
 *       A copy is accepted again only if {@code dedupCapacity} newer events lie within the grace.</li>
 *   <li>An event older than the user's own latest event time minus the grace is
 *       {@link UpdateOutcome#LATE}: counted, and kept out of the sequence, counters and categories.
 *       Grace is per user, not per partition, so logs sorted by user replay without losses.</li>
 *   <li>Otherwise it is {@link UpdateOutcome#ACCEPTED}: inserted in (time, id hash) order, the oldest
 *       event dropped beyond N, counted in every window and in the category table; version + 1.</li>
 * </ol>
 * Within the grace, the resulting state (and its encoding) does not depend on arrival order, as long
 * as the user's distinct categories fit the category table.
 */
public final class SequenceUpdater {
    private SequenceUpdater() {}

    /**
     * @throws IllegalArgumentException if the item or category id is longer than the policy's
     *                                  {@code maxIdLength} (a record for the dead-letter topic)
     */
    public static UpdateOutcome apply(BehaviourSequence seq, BehaviourEvent event) {
        int maxId = seq.policy().maxIdLength();
        String item = event.itemId();
        String cat = event.categoryId();
        if (item.length() > maxId || cat.length() > maxId) {
            throw new IllegalArgumentException(
                    "item or category id longer than " + maxId + " chars in event " + event.eventId());
        }
        long itemNum = Codec.numericId(item);
        long catNum = Codec.numericId(cat);
        return seq.apply(
                Codec.eventIdHash(event.eventId()),
                event.eventTimeMs(),
                event.action(),
                itemNum,
                itemNum == Codec.NOT_NUMERIC ? item : null,
                catNum,
                catNum == Codec.NOT_NUMERIC ? cat : null);
    }

    public static UpdateOutcome apply(BehaviourSequence seq, UserEvent event) {
        return apply(seq, BehaviourEvent.of(event));
    }
}
