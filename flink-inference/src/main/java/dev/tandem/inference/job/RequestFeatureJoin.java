package dev.tandem.inference.job;

import dev.tandem.inference.core.DeadLetter;
import dev.tandem.inference.core.EncodedRequest;
import dev.tandem.inference.core.EncodedUser;
import dev.tandem.inference.core.FeatureUpdates;
import dev.tandem.inference.core.ItemCatalog;
import dev.tandem.inference.core.RawRecord;
import dev.tandem.inference.core.RequestEncoder;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.topics.DeadLetterReason;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keyed by user id: keeps the user's latest features in keyed {@link ValueState}, already encoded
 * ({@link EncodedUser}, packed into a {@code byte[]} so a checkpoint writes it in one bulk write; with as_of and
 * sequence_version for the ordering rules of {@link FeatureUpdates}), and joins every request with it (no features yet → an empty history;
 * never dropped); the catalog is broadcast state holding each item's codes ({@code int[4]}: item,
 * category, brand, price bucket), not its Avro metadata (the request's own candidate metadata
 * overrides it, encoded per request; unknown items are encoded by hashed id only). Encoding when
 * features and items arrive instead of per request keeps hashing off the request path, and the
 * state small and cheap to copy for checkpoints. The catalog lives in an {@link ItemCatalog} and reaches the
 * broadcast state as packed buckets at each checkpoint ({@link #snapshotState}): every subtask writes all of its
 * broadcast state at every checkpoint, and one entry per item made that most of the job's checkpoint CPU. With a
 * {@link CatalogReplay} and {@code checkpointCatalog} false ({@code scoring.catalog.state=topic}) the catalog stays out
 * of the checkpoint altogether: the broadcast state holds only {@link #CATALOG_IN_TOPIC}, and a restore reads the
 * catalog from the topic again; a job keeping it in state that restores such a checkpoint replays the topic too. Emits one {@link EncodedRequest} per request, and forwards each model command
 * of the broadcast input as a control marker ({@link EncodedRequest#control}) so it reaches the
 * chained batcher in stream order without a second input (which would break the chain). A request that carries its
 * own features ({@code ScoringRequest.features}, score on exposure) is joined with those instead of the state. A thin adapter around
 * {@link RequestEncoder} and {@link FeatureUpdates}.
 */
public final class RequestFeatureJoin
        extends KeyedBroadcastProcessFunction<String, UserInput, BroadcastInput, EncodedRequest>
        implements CheckpointedFunction {
    private static final Logger LOG = LoggerFactory.getLogger(RequestFeatureJoin.class);
    public static final String FEATURES_STATE = "user-features";
    /** Named anew when the layout changed from one entry per item to packed buckets: an old checkpoint's catalog is not misread. */
    public static final String ITEMS_STATE = "items-buckets";
    /** The catalog's broadcast state: {@link ItemCatalog} bucket → packed bucket. */
    public static final MapStateDescriptor<Integer, byte[]> ITEMS =
            new MapStateDescriptor<>(ITEMS_STATE, Types.INT, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    /** Broadcast-state key marking a checkpoint whose catalog is not in it but in the topic ({@link CatalogReplay}). */
    static final int CATALOG_IN_TOPIC = -1;

    private final String specJson;
    private final RequestDecoder requests;
    private final CatalogReplay replay;
    private final boolean checkpointCatalog;
    private transient Counter deadLetters;
    private transient ValueState<byte[]> features;
    private transient RequestEncoder encoder;
    private transient Counter withoutFeatures;
    /** Looked up per candidate; written to {@link #packed} only at checkpoints, and only the buckets that changed. */
    private transient ItemCatalog catalog;

    private transient BroadcastState<Integer, byte[]> packed;

    /** For decoded requests only ({@link UserInput#of(dev.tandem.schemas.ScoringRequest)}). */
    public RequestFeatureJoin(FeatureSpec spec) {
        this(spec, null);
    }

    /** @param requests decodes the raw requests of {@link RequestRouter}; refused ones go to {@link RequestDecoder#DEAD_LETTERS} */
    public RequestFeatureJoin(FeatureSpec spec, RequestDecoder requests) {
        this(spec, requests, null, true);
    }

    /**
     * @param replay            where the catalog can be read again; null: only from the checkpoint
     * @param checkpointCatalog false keeps the catalog out of checkpoints (needs {@code replay})
     */
    public RequestFeatureJoin(
            FeatureSpec spec, RequestDecoder requests, CatalogReplay replay, boolean checkpointCatalog) {
        if (!checkpointCatalog && replay == null)
            throw new IllegalArgumentException(
                    "a catalog kept out of checkpoints needs a CatalogReplay to restore from");
        this.specJson = spec.toJson();
        this.requests = requests;
        this.replay = replay;
        this.checkpointCatalog = checkpointCatalog;
    }

    @Override
    public void initializeState(FunctionInitializationContext ctx) throws Exception {
        catalog = new ItemCatalog();
        packed = ctx.getOperatorStateStore().getBroadcastState(ITEMS);
        if (ctx.isRestored()) {
            if (packed.contains(CATALOG_IN_TOPIC)) {
                if (replay == null)
                    throw new IllegalStateException(
                            "this checkpoint kept the catalog in the items topic"
                                    + " (scoring.catalog.state=topic), and the job was built without a CatalogReplay to read it");
                long skipped =
                        replay.replay(i -> catalog.put(i.getItemId(), encoder().itemCodes(i.getItemId(), i)));
                LOG.info(
                        "catalog rebuilt from the items topic: {} items ({} unusable records skipped)",
                        catalog.size(),
                        skipped);
            } else {
                for (Map.Entry<Integer, byte[]> e : packed.entries()) catalog.unpack(e.getValue());
            }
            // rewritten whole at the next checkpoint, in this version's bucketing
            packed.clear();
            catalog.markAllDirty();
        }
        if (!checkpointCatalog) packed.put(CATALOG_IN_TOPIC, new byte[0]);
    }

    private RequestEncoder encoder() {
        // initializeState runs before open
        if (encoder == null) encoder = new RequestEncoder(FeatureSpec.fromJson(specJson));
        return encoder;
    }

    @Override
    public void snapshotState(FunctionSnapshotContext ctx) throws Exception {
        if (!checkpointCatalog) return;
        // runs before the state backend copies the broadcast state for this checkpoint
        catalog.drainDirty((bucket, bytes) -> {
            try {
                if (bytes.length == 0) packed.remove(bucket);
                else packed.put(bucket, bytes);
            } catch (Exception e) {
                throw new IllegalStateException("writing the catalog's broadcast state", e);
            }
        });
    }

    @Override
    public void open(OpenContext ctx) {
        features = getRuntimeContext()
                .getState(new ValueStateDescriptor<>(
                        FEATURES_STATE, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        encoder();
        withoutFeatures = getRuntimeContext().getMetricGroup().counter(ScoringMetrics.REQUESTS_WITHOUT_FEATURES);
        deadLetters = getRuntimeContext().getMetricGroup().counter(ScoringMetrics.DEAD_LETTERS);
        if (requests != null) requests.open();
    }

    @Override
    public void processElement(UserInput in, ReadOnlyContext ctx, Collector<EncodedRequest> out) throws Exception {
        if (in.features != null) {
            UserFeatures incoming = in.features;
            if (FeatureUpdates.isTombstone(incoming)) {
                features.clear();
                // through the batcher, in stream order: a prediction of this user still buffered there goes out
                // before the tombstone instead of re-creating the user in the serving store after it
                if (FeatureUpdates.isForget(incoming)) out.collect(EncodedRequest.forget(in.userId));
                return;
            }
            byte[] current = features.value();
            if (current == null
                    || FeatureUpdates.replaces(
                            incoming, EncodedUser.asOfMs(current), EncodedUser.sequenceVersion(current))) {
                features.update(encoder.encodeUser(incoming).toBytes());
            }
            return;
        }
        ScoringRequest request = in.request;
        if (in.rawRequest != null) {
            if (requests == null)
                throw new IllegalStateException("a raw request reached a join built without a RequestDecoder");
            RawRecord raw = in.rawRequest;
            RequestDecoder.Refusal refuse = (reason, error) -> {
                deadLetters.inc();
                ctx.output(RequestDecoder.DEAD_LETTERS, DeadLetter.of(raw, reason, error));
            };
            request = requests.decode(raw, refuse);
            if (request == null) return;
            if (!request.getUserId().equals(in.userId)) {
                // the router read another user id from the same bytes: it would take a writer schema it misreads.
                // Scoring
                // it with this key's features would be wrong, failing the job would stop on it forever: a dead letter.
                refuse.refuse(
                        DeadLetterReason.DESERIALIZATION,
                        new IllegalStateException("request " + request.getRequestId() + " was routed as user '"
                                + in.userId + "' but decodes as user '" + request.getUserId() + "'"));
                return;
            }
        }
        if (request == null) {
            return;
        }
        EncodedUser f;
        UserFeatures carried = request.getFeatures();
        if (carried != null) {
            // score on exposure: the features as of just before the event that asked for this request, whichever
            // later features this job has read by now (the validator refused a tombstone or another user's)
            f = carried.getSequenceVersion() == 0 ? null : encoder.encodeUser(carried);
        } else {
            byte[] stored = features.value();
            f = stored == null ? null : EncodedUser.fromBytes(stored);
        }
        if (f == null) {
            withoutFeatures.inc();
        }
        EncodedRequest encoded = encoder.join(request, f, catalog::get, ctx.currentProcessingTime());
        encoded.source = in.rawRequest; // for the batcher's dead letter, should the request miss its deadline
        out.collect(encoded);
    }

    @Override
    public void processBroadcastElement(BroadcastInput in, Context ctx, Collector<EncodedRequest> out)
            throws Exception {
        if (in.item != null) {
            catalog.put(in.item.getItemId(), encoder.itemCodes(in.item.getItemId(), in.item));
        }
        if (in.control != null) {
            out.collect(EncodedRequest.control(in.control));
        }
    }
}
