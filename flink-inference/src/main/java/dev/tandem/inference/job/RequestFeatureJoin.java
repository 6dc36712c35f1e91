package dev.tandem.inference.job;

import dev.tandem.inference.core.EncodedRequest;
import dev.tandem.inference.core.EncodedUser;
import dev.tandem.inference.core.FeatureUpdates;
import dev.tandem.inference.core.RequestEncoder;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.schemas.UserFeatures;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by user id: keeps the user's latest features in keyed {@link ValueState}, already encoded
 * ({@link EncodedUser}, packed into a {@code byte[]} so a checkpoint writes it in one bulk write; with as_of and
 * sequence_version for the ordering rules of {@link FeatureUpdates}), and joins every request with it (no features yet → an empty history;
 * never dropped); the catalog is broadcast state holding each item's codes ({@code int[4]}: item,
 * category, brand, price bucket), not its Avro metadata (the request's own candidate metadata
 * overrides it, encoded per request; unknown items are encoded by hashed id only). Encoding when
 * features and items arrive instead of per request keeps hashing off the request path, and the
 * state small and cheap to copy for checkpoints. Emits one {@link EncodedRequest} per request, and forwards each model command
 * of the broadcast input as a control marker ({@link EncodedRequest#control}) so it reaches the
 * chained batcher in stream order without a second input (which would break the chain). A thin adapter around
 * {@link RequestEncoder} and {@link FeatureUpdates}.
 */
public final class RequestFeatureJoin extends KeyedBroadcastProcessFunction<String, UserInput, BroadcastInput, EncodedRequest> {
    public static final String FEATURES_STATE = "user-features";
    public static final String ITEMS_STATE = "items";
    public static final MapStateDescriptor<String, int[]> ITEMS =
            new MapStateDescriptor<>(ITEMS_STATE, Types.STRING, PrimitiveArrayTypeInfo.INT_PRIMITIVE_ARRAY_TYPE_INFO);

    private final String specJson;
    private transient ValueState<byte[]> features;
    private transient RequestEncoder encoder;
    private transient Counter withoutFeatures;

    public RequestFeatureJoin(FeatureSpec spec) {
        this.specJson = spec.toJson();
    }

    @Override
    public void open(OpenContext ctx) {
        features = getRuntimeContext().getState(new ValueStateDescriptor<>(FEATURES_STATE, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        encoder = new RequestEncoder(FeatureSpec.fromJson(specJson));
        withoutFeatures = getRuntimeContext().getMetricGroup().counter(ScoringMetrics.REQUESTS_WITHOUT_FEATURES);
    }

    @Override
    public void processElement(UserInput in, ReadOnlyContext ctx, Collector<EncodedRequest> out) throws Exception {
        if (in.features != null) {
            UserFeatures incoming = in.features;
            if (FeatureUpdates.isTombstone(incoming)) {
                features.clear();
                return;
            }
            byte[] current = features.value();
            if (current == null || FeatureUpdates.replaces(incoming, EncodedUser.asOfMs(current), EncodedUser.sequenceVersion(current))) {
                features.update(encoder.encodeUser(incoming).toBytes());
            }
            return;
        }
        if (in.request == null) {
            return;
        }
        byte[] stored = features.value();
        EncodedUser f = stored == null ? null : EncodedUser.fromBytes(stored);
        if (f == null) {
            withoutFeatures.inc();
        }
        ReadOnlyBroadcastState<String, int[]> items = ctx.getBroadcastState(ITEMS);
        out.collect(encoder.join(in.request, f, id -> {
            try {
                return items.get(id);
            } catch (Exception e) {
                throw new IllegalStateException("reading broadcast item state", e);
            }
        }, ctx.currentProcessingTime()));
    }

    @Override
    public void processBroadcastElement(BroadcastInput in, Context ctx, Collector<EncodedRequest> out) throws Exception {
        if (in.item != null) {
            ctx.getBroadcastState(ITEMS).put(in.item.getItemId(), encoder.itemCodes(in.item.getItemId(), in.item));
        }
        if (in.control != null) {
            out.collect(EncodedRequest.control(in.control));
        }
    }
}
