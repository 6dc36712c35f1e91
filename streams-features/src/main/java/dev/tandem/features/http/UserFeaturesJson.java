package dev.tandem.features.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.schemas.CategoryCount;
import dev.tandem.schemas.SequenceEvent;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.WindowCount;

/**
 * {@code UserFeatures} as the API's JSON: the Avro field names, times in epoch milliseconds, actions by name.
 * <pre>{"user_id":"u1","as_of":1700000000000,"sequence_version":3,
 *  "events":[{"item_id":"1","category_id":"7","action":"VIEW","event_time":1700000000000}, ...],
 *  "action_counts":[{"window_ms":3600000,"action":"VIEW","count":2}, ...],
 *  "top_categories":[{"category_id":"7","count":3}]}</pre>
 */
public final class UserFeaturesJson {
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private UserFeaturesJson() {}

    public static ObjectNode toJson(UserFeatures f) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("user_id", f.getUserId());
        root.put("as_of", f.getAsOf().toEpochMilli());
        root.put("sequence_version", f.getSequenceVersion());
        ArrayNode events = root.putArray("events");
        for (SequenceEvent e : f.getEvents()) {
            events.addObject()
                    .put("item_id", e.getItemId())
                    .put("category_id", e.getCategoryId())
                    .put("action", e.getAction().name())
                    .put("event_time", e.getEventTime().toEpochMilli());
        }
        ArrayNode counts = root.putArray("action_counts");
        for (WindowCount c : f.getActionCounts()) {
            counts.addObject()
                    .put("window_ms", c.getWindowMs())
                    .put("action", c.getAction().name())
                    .put("count", c.getCount());
        }
        ArrayNode top = root.putArray("top_categories");
        for (CategoryCount c : f.getTopCategories()) {
            top.addObject().put("category_id", c.getCategoryId()).put("count", c.getCount());
        }
        return root;
    }

    public static byte[] toBytes(UserFeatures f) {
        try {
            return MAPPER.writeValueAsBytes(toJson(f));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
