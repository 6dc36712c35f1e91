package dev.tandem.features.streams;

import static dev.tandem.features.FeatureNames.ITEM_METADATA_STORE;

import dev.tandem.schemas.Action;
import dev.tandem.schemas.Candidate;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.UserFeatures;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Score on exposure: every accepted view (an exposure of the item to the user) becomes a {@link ScoringRequest} for
 * that user and item, carrying the user's features as of just before the view ({@link ScoringRequest#getFeatures}).
 * That is what offline training encodes for the same exposure ({@code ExampleBuilder}: the sequence before it, at its
 * time), so online metrics grade the same inputs as offline evaluation.
 *
 * <p>Why the features travel with the request: a scoring job joins a plain request with the newest features it has
 * read, and whether those are the ones before or after the view depends on how {@code user-features} and the requests
 * interleave on their way to it. Only the processor that applies the view knows the state just before it, so it
 * projects that state before applying the event and the job scores with it (sequence_version 0: no history yet).
 *
 * <p>The request: id = the event id (a replayed or redelivered event gives the same id, which the serving and
 * monitoring sides already absorb), request time = the event time, one candidate with the event's category and its
 * brand and price, each taken from the event or else from the {@code items} catalog this app keeps (the global
 * {@code item-metadata} store), and context {@value #CONTEXT_KEY} = {@value #CONTEXT_VALUE}. One instance per task.
 */
public final class ExposureRequests {
    private static final Logger LOG = LoggerFactory.getLogger(ExposureRequests.class);
    static final String CONTEXT_KEY = "tandem.trigger";
    static final String CONTEXT_VALUE = "exposure";

    private final Deserializer<ItemMetadata> metadataDeserializer;
    private final String itemsTopic;
    private KeyValueStore<String, byte[]> catalog;

    public ExposureRequests(Deserializer<ItemMetadata> metadataDeserializer, String itemsTopic) {
        this.metadataDeserializer = Objects.requireNonNull(metadataDeserializer, "metadataDeserializer");
        this.itemsTopic = Objects.requireNonNull(itemsTopic, "itemsTopic");
    }

    void init(ProcessorContext<?, ?> context) {
        catalog = context.getStateStore(ITEM_METADATA_STORE);
    }

    /** Whether {@code action} is an exposure (a view), the only events that ask for a request. */
    static boolean asks(Action action) {
        return action == Action.VIEW;
    }

    /** The request for an accepted exposure, scored with {@code before}. */
    ScoringRequest request(UserEvent event, UserFeatures before) {
        String brand = event.getBrand();
        Double price = event.getPrice();
        if (brand == null || price == null) {
            ItemMetadata known = known(event.getItemId());
            if (known != null) {
                if (brand == null) brand = known.getBrand();
                if (price == null) price = known.getPrice();
            }
        }
        ItemMetadata md = ItemMetadata.newBuilder()
                .setItemId(event.getItemId())
                .setCategoryPath(List.of(event.getCategoryId()))
                .setBrand(brand)
                .setPrice(price)
                .build();
        return ScoringRequest.newBuilder()
                .setRequestId(event.getEventId())
                .setUserId(event.getUserId())
                .setCandidates(List.of(new Candidate(event.getItemId(), md)))
                .setRequestTime(event.getEventTime())
                .setContext(Map.of(CONTEXT_KEY, CONTEXT_VALUE))
                .setFeatures(before)
                .build();
    }

    private ItemMetadata known(String itemId) {
        byte[] bytes = catalog == null ? null : catalog.get(itemId);
        if (bytes == null) return null;
        try {
            return metadataDeserializer.deserialize(itemsTopic, bytes);
        } catch (RuntimeException e) {
            // the global store's updater keeps only records it could read; a newer schema it cannot is not this
            // request's problem: the event's own fields stand
            LOG.debug("item {}: catalog entry unreadable, scoring the exposure without it", itemId, e);
            return null;
        }
    }
}
