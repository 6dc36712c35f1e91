package dev.tandem.features.http;

import static dev.tandem.features.FeatureNames.USER_SEQUENCES_STORE;

import dev.tandem.features.sequence.BehaviourSequence;
import dev.tandem.features.sequence.SequencePolicy;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Interactive queries of {@code user-sequences}: {@link KafkaStreams#queryMetadataForKey} names the
 * active owner of the user's partition; this instance answers from its local store when it is the
 * owner, and names the owner otherwise. Only active stores answer (no stale reads from standbys).
 */
public final class StreamsFeatureLookup implements FeatureLookup {
    private final KafkaStreams streams;
    private final HostInfo self;
    private final SequencePolicy policy;

    public StreamsFeatureLookup(KafkaStreams streams, HostInfo self, SequencePolicy policy) {
        this.streams = Objects.requireNonNull(streams, "streams");
        this.self = Objects.requireNonNull(self, "self");
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    @Override
    public Result lookup(String userId) {
        KeyQueryMetadata md;
        try {
            md = streams.queryMetadataForKey(
                    USER_SEQUENCES_STORE, userId, Serdes.String().serializer());
        } catch (IllegalStateException e) {
            return new Unavailable("streams not running: " + e.getMessage());
        }
        if (md == null || KeyQueryMetadata.NOT_AVAILABLE.equals(md)) {
            return new Unavailable("no instance owns the key right now (state " + streams.state() + ")");
        }
        HostInfo owner = md.activeHost();
        if (!owner.equals(self)) {
            return new Remote(owner.host(), owner.port());
        }
        try {
            ReadOnlyKeyValueStore<String, byte[]> store = streams.store(StoreQueryParameters.fromNameAndType(
                            USER_SEQUENCES_STORE, QueryableStoreTypes.<String, byte[]>keyValueStore())
                    .withPartition(md.partition()));
            byte[] bytes = store.get(userId);
            return bytes == null
                    ? new NotFound()
                    : new Found(BehaviourSequence.decode(bytes, policy).toUserFeatures(userId));
        } catch (InvalidStateStoreException e) {
            return new Unavailable("store not queryable now: " + e.getMessage());
        }
    }
}
