package dev.tandem.inference.job;

import dev.tandem.inference.core.EncodedRequest;
import dev.tandem.inference.core.FeatureUpdates;
import dev.tandem.inference.core.RequestEncoder;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.UserFeatures;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by user id: keeps the user's latest {@link UserFeatures} in keyed {@link ValueState} and
 * joins every request with it (no features yet → an empty history; never dropped); item metadata
 * is broadcast state (the request's own candidate metadata overrides it; unknown items are encoded
 * by hashed id only). Emits one {@link EncodedRequest} per request, and forwards each model command
 * of the broadcast input as a control marker ({@link EncodedRequest#control}) so it reaches the
 * chained batcher in stream order without a second input (which would break the chain). A thin adapter around
 * {@link RequestEncoder} and {@link FeatureUpdates}.
 */
public final class RequestFeatureJoin extends KeyedBroadcastProcessFunction<String, UserInput, BroadcastInput, EncodedRequest> {
    public static final String FEATURES_STATE = "user-features";
    public static final String ITEMS_STATE = "items";
    public static final MapStateDescriptor<String, ItemMetadata> ITEMS =
            new MapStateDescriptor<>(ITEMS_STATE, Types.STRING, TypeInformation.of(ItemMetadata.class));

    private final String specJson;
    private transient ValueState<UserFeatures> features;
    private transient RequestEncoder encoder;
    private transient Counter withoutFeatures;

    public RequestFeatureJoin(FeatureSpec spec) {
        this.specJson = spec.toJson();
    }

    @Override
    public void open(OpenContext ctx) {
        features = getRuntimeContext().getState(new ValueStateDescriptor<>(FEATURES_STATE, TypeInformation.of(UserFeatures.class)));
        encoder = new RequestEncoder(FeatureSpec.fromJson(specJson));
        withoutFeatures = getRuntimeContext().getMetricGroup().counter(ScoringMetrics.REQUESTS_WITHOUT_FEATURES);
    }

    @Override
    public void processElement(UserInput in, ReadOnlyContext ctx, Collector<EncodedRequest> out) throws Exception {
        if (in.features != null) {
            UserFeatures next = FeatureUpdates.merge(features.value(), in.features);
            if (next == null) {
                features.clear();
            } else {
                features.update(next);
            }
            return;
        }
        if (in.request == null) {
            return;
        }
        UserFeatures f = features.value();
        if (f == null) {
            withoutFeatures.inc();
        }
        ReadOnlyBroadcastState<String, ItemMetadata> items = ctx.getBroadcastState(ITEMS);
        out.collect(encoder.encode(in.request, f, id -> {
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
            ctx.getBroadcastState(ITEMS).put(in.item.getItemId(), in.item);
        }
        if (in.control != null) {
            out.collect(EncodedRequest.control(in.control));
        }
    }
}
