package dev.tandem.inference.core;

import dev.tandem.model.features.FeatureEncoder;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.features.ItemCode;
import dev.tandem.model.features.UserVector;
import dev.tandem.schemas.Candidate;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.UserFeatures;
import java.util.List;
import java.util.function.Function;

/**
 * Encodes (request, the user's latest features or none, the catalog) into an {@link EncodedRequest}
 * with the model's {@link FeatureEncoder}: pure Java. A candidate's own metadata in the request
 * overrides the catalog; an item neither knows is encoded by its hashed id only (category, brand
 * and price bucket 0). Not thread-safe (reuses one {@link UserVector}).
 */
public final class RequestEncoder {
    private final FeatureEncoder encoder;
    private final UserVector user;

    public RequestEncoder(FeatureSpec spec) {
        this.encoder = new FeatureEncoder(spec);
        this.user = encoder.newUserVector();
    }

    public FeatureEncoder encoder() {
        return encoder;
    }

    /** @param catalog item id → metadata, or null when unknown */
    public EncodedRequest encode(ScoringRequest request, UserFeatures features, Function<String, ItemMetadata> catalog, long receivedAtMs) {
        long t = request.getRequestTime().toEpochMilli();
        encoder.encodeUser(features, t, user);
        EncodedRequest out = new EncodedRequest();
        out.requestId = request.getRequestId();
        out.userId = request.getUserId();
        out.requestTimeMs = t;
        out.receivedAtMs = receivedAtMs;
        out.featuresAsOf = features == null ? null : features.getAsOf().toEpochMilli();
        out.seqItem = user.seqItem();
        out.seqCategory = user.seqCategory();
        out.seqAction = user.seqAction();
        out.seqTimeGap = user.seqTimeGap();
        out.userDense = user.dense();
        List<Candidate> cands = request.getCandidates();
        int n = cands.size();
        out.itemIds = new String[n];
        out.candItem = new int[n];
        out.candCategory = new int[n];
        out.candBrand = new int[n];
        out.candPrice = new int[n];
        for (int i = 0; i < n; i++) {
            Candidate c = cands.get(i);
            String id = c.getItemId();
            ItemMetadata md = c.getMetadata() != null ? c.getMetadata() : catalog.apply(id);
            ItemCode code = md == null ? encoder.encodeItem(id, null, null, null) : encodeItem(id, md);
            out.itemIds[i] = id;
            out.candItem[i] = code.item();
            out.candCategory[i] = code.category();
            out.candBrand[i] = code.brand();
            out.candPrice[i] = code.priceBucket();
        }
        return out;
    }

    private ItemCode encodeItem(String id, ItemMetadata md) {
        List<String> path = md.getCategoryPath();
        String leaf = path == null || path.isEmpty() ? null : path.get(path.size() - 1);
        return encoder.encodeItem(id, leaf, md.getBrand(), md.getPrice());
    }
}
