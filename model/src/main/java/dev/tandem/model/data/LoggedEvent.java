package dev.tandem.model.data;

import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.schemas.UserEvent;
import java.util.Objects;

/**
 * One event of a log as the example builder needs it: the user, the lean event the sequence takes,
 * and the item facts the event carries (brand and price may be null).
 */
public record LoggedEvent(String userId, BehaviourEvent event, String brand, Double price) {
    public LoggedEvent {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(event, "event");
    }

    public static LoggedEvent of(UserEvent e) {
        return new LoggedEvent(e.getUserId(), BehaviourEvent.of(e), e.getBrand(), e.getPrice());
    }

    public long timeMs() {
        return event.eventTimeMs();
    }
}
