package dev.tandem.model.features;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.schemas.Action;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What {@link FeatureEncoder} produces and how: every parameter that changes the numbers a model
 * sees. Written into every model directory as {@value #FILE_NAME}; a server refuses a model whose
 * spec it {@linkplain #canProduce cannot produce}.
 *
 * <p>Ids hash with {@link Murmur3} (x86_32 of the UTF-8 bytes) into {@code [1, buckets]}; 0 is the
 * padding / missing id of every id feature. Seeds: item {@code hashSeed}, category
 * {@code hashSeed + 1}, brand {@code hashSeed + 2}.
 *
 * @param formatVersion        the version of the encoding rules ({@link #FORMAT_VERSION}); a change to
 *                             how any number is computed bumps it
 * @param sequenceLength       L, the newest L events of the sequence, left-padded with 0
 * @param itemBuckets          hash buckets of item ids (sequence items and the candidate share them)
 * @param categoryBuckets      hash buckets of category ids (sequence and candidate share them)
 * @param brandBuckets         hash buckets of brands
 * @param hashSeed             the murmur3 seed of item ids (category +1, brand +2)
 * @param actions              action names in id order: action id = index + 1
 * @param timeGapBoundariesMs  ascending; a gap (request time − event time, ≥ 0) gets id 1 + the number of
 *                             boundaries ≤ it
 * @param priceBoundaries      ascending; a known price gets id 1 + the number of boundaries ≤ it, an
 *                             unknown price 0
 * @param counterWindowsMs     counter windows, in the order of {@code user_dense}
 * @param counterActions       actions counted, in the order of {@code user_dense} (window-major)
 * @param recencyScaleHours    {@code user_dense} recency = log1p(hours since the newest event) / log1p(scale)
 * @param features             the model inputs, derived from the parameters above (checked on read)
 */
@JsonPropertyOrder({
    "formatVersion",
    "sequenceLength",
    "itemBuckets",
    "categoryBuckets",
    "brandBuckets",
    "hashSeed",
    "actions",
    "timeGapBoundariesMs",
    "priceBoundaries",
    "counterWindowsMs",
    "counterActions",
    "recencyScaleHours",
    "features"
})
public record FeatureSpec(
        int formatVersion,
        int sequenceLength,
        int itemBuckets,
        int categoryBuckets,
        int brandBuckets,
        int hashSeed,
        List<String> actions,
        List<Long> timeGapBoundariesMs,
        List<Double> priceBoundaries,
        List<Long> counterWindowsMs,
        List<String> counterActions,
        double recencyScaleHours,
        List<FeatureDef> features) {

    /**
     * 2 adds {@code cand_history}. A version-1 spec (a model trained before it) still reads, lists no
     * {@code cand_history}, and an encoder built from it produces exactly the version-1 inputs.
     */
    public static final int FORMAT_VERSION = 2;
    /** The first format version with {@link #CAND_HISTORY}. */
    public static final int CAND_HISTORY_SINCE = 2;

    public static final String FILE_NAME = "feature-spec.json";

    public static final String SEQ_ITEM = "seq_item";
    public static final String SEQ_CATEGORY = "seq_category";
    public static final String SEQ_ACTION = "seq_action";
    public static final String SEQ_TIME_GAP = "seq_time_gap";
    public static final String USER_DENSE = "user_dense";
    public static final String CAND_ITEM = "cand_item";
    public static final String CAND_CATEGORY = "cand_category";
    public static final String CAND_BRAND = "cand_brand";
    public static final String CAND_PRICE = "cand_price_bucket";
    public static final String CAND_HISTORY = "cand_history";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);

    public FeatureSpec {
        require(
                formatVersion >= 1 && formatVersion <= FORMAT_VERSION,
                "formatVersion must be in [1, " + FORMAT_VERSION + "], was " + formatVersion);
        require(
                sequenceLength >= 1 && sequenceLength <= SequencePolicy.MAX_EVENTS_LIMIT,
                "sequenceLength must be in [1, 10000], was " + sequenceLength);
        require(itemBuckets >= 1, "itemBuckets must be >= 1, was " + itemBuckets);
        require(categoryBuckets >= 1, "categoryBuckets must be >= 1, was " + categoryBuckets);
        require(brandBuckets >= 1, "brandBuckets must be >= 1, was " + brandBuckets);
        actions = List.copyOf(Objects.requireNonNull(actions, "actions"));
        require(!actions.isEmpty(), "actions must not be empty");
        timeGapBoundariesMs = List.copyOf(Objects.requireNonNull(timeGapBoundariesMs, "timeGapBoundariesMs"));
        priceBoundaries = List.copyOf(Objects.requireNonNull(priceBoundaries, "priceBoundaries"));
        counterWindowsMs = List.copyOf(Objects.requireNonNull(counterWindowsMs, "counterWindowsMs"));
        counterActions = List.copyOf(Objects.requireNonNull(counterActions, "counterActions"));
        requireAscending("timeGapBoundariesMs", timeGapBoundariesMs);
        requireAscending("priceBoundaries", priceBoundaries);
        require(
                recencyScaleHours > 0 && Double.isFinite(recencyScaleHours),
                "recencyScaleHours must be > 0, was " + recencyScaleHours);
        for (String a : actions) {
            Action.valueOf(a); // names an unknown action early
        }
        for (String a : counterActions) {
            Action.valueOf(a);
        }
        List<FeatureDef> derived = derive(
                formatVersion,
                sequenceLength,
                itemBuckets,
                categoryBuckets,
                brandBuckets,
                actions.size(),
                timeGapBoundariesMs.size(),
                priceBoundaries.size(),
                counterWindowsMs.size() * counterActions.size() + 2);
        if (features == null) {
            features = derived;
        } else {
            features = List.copyOf(features);
            require(
                    features.equals(derived),
                    "features do not match the encoding parameters: expected " + derived + " but the spec lists "
                            + features);
        }
    }

    /** The defaults: L = 20, 2^18 item, 2^14 category, 2^12 brand buckets, windows of the sequence policy. */
    public static FeatureSpec defaults(SequencePolicy policy) {
        List<Long> windows = new ArrayList<>();
        for (SequencePolicy.CounterWindow w : policy.windows()) {
            windows.add(w.windowMs());
        }
        return new FeatureSpec(
                FORMAT_VERSION,
                Math.min(20, policy.maxEvents()),
                1 << 18,
                1 << 14,
                1 << 12,
                0x7A4D,
                Arrays.stream(Action.values()).map(Enum::name).toList(),
                List.of(
                        60_000L,
                        300_000L,
                        900_000L,
                        3_600_000L,
                        3 * 3_600_000L,
                        6 * 3_600_000L,
                        12 * 3_600_000L,
                        86_400_000L,
                        3 * 86_400_000L,
                        7 * 86_400_000L,
                        30 * 86_400_000L),
                List.of(1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0),
                windows,
                List.of("VIEW", "CART", "PURCHASE", "FAVORITE", "CLICK"),
                24 * 30,
                null);
    }

    public static FeatureSpec defaults() {
        return defaults(SequencePolicy.defaults());
    }

    public FeatureSpec withBuckets(int items, int categories, int brands) {
        return new FeatureSpec(
                formatVersion,
                sequenceLength,
                items,
                categories,
                brands,
                hashSeed,
                actions,
                timeGapBoundariesMs,
                priceBoundaries,
                counterWindowsMs,
                counterActions,
                recencyScaleHours,
                null);
    }

    /** This spec at another format version, e.g. 1 for the inputs of a model trained before {@code cand_history}. */
    public FeatureSpec withFormatVersion(int version) {
        return new FeatureSpec(
                version,
                sequenceLength,
                itemBuckets,
                categoryBuckets,
                brandBuckets,
                hashSeed,
                actions,
                timeGapBoundariesMs,
                priceBoundaries,
                counterWindowsMs,
                counterActions,
                recencyScaleHours,
                null);
    }

    public FeatureSpec withSequenceLength(int l) {
        return new FeatureSpec(
                formatVersion,
                l,
                itemBuckets,
                categoryBuckets,
                brandBuckets,
                hashSeed,
                actions,
                timeGapBoundariesMs,
                priceBoundaries,
                counterWindowsMs,
                counterActions,
                recencyScaleHours,
                null);
    }

    private static List<FeatureDef> derive(
            int version, int l, int items, int cats, int brands, int nActions, int nGaps, int nPrices, int dense) {
        List<FeatureDef> out = new ArrayList<>(List.of(
                new FeatureDef(SEQ_ITEM, FeatureDef.INT32, List.of(l), items + 1),
                new FeatureDef(SEQ_CATEGORY, FeatureDef.INT32, List.of(l), cats + 1),
                new FeatureDef(SEQ_ACTION, FeatureDef.INT32, List.of(l), nActions + 1),
                new FeatureDef(SEQ_TIME_GAP, FeatureDef.INT32, List.of(l), nGaps + 2),
                new FeatureDef(USER_DENSE, FeatureDef.FLOAT32, List.of(dense), 0),
                new FeatureDef(CAND_ITEM, FeatureDef.INT32, List.of(), items + 1),
                new FeatureDef(CAND_CATEGORY, FeatureDef.INT32, List.of(), cats + 1),
                new FeatureDef(CAND_BRAND, FeatureDef.INT32, List.of(), brands + 1),
                new FeatureDef(CAND_PRICE, FeatureDef.INT32, List.of(), nPrices + 2)));
        if (version >= CAND_HISTORY_SINCE) {
            out.add(new FeatureDef(CAND_HISTORY, FeatureDef.FLOAT32, List.of(historyWidth(nActions)), 0));
        }
        return List.copyOf(out);
    }

    /** Width of {@code cand_history}: per action 4 values (item count, category count, item and category recency), then 2 last-event flags. */
    private static int historyWidth(int nActions) {
        return 4 * nActions + 2;
    }

    /** Whether this spec has the {@code cand_history} input (format version 2 on). */
    @JsonIgnore
    public boolean hasCandidateHistory() {
        return formatVersion >= CAND_HISTORY_SINCE;
    }

    /** Width of {@code cand_history}, 0 when the spec has none. */
    @JsonIgnore
    public int historyWidth() {
        return hasCandidateHistory() ? historyWidth(actions.size()) : 0;
    }

    /** The input named {@code name}. */
    public FeatureDef feature(String name) {
        for (FeatureDef f : features) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("no feature named " + name + " in the feature spec");
    }

    /** Width of {@code user_dense}: windows × counted actions, then recency, then sequence fill. */
    @JsonIgnore
    public int denseWidth() {
        return counterWindowsMs.size() * counterActions.size() + 2;
    }

    /**
     * A name per {@code user_dense} slot whose drift is watched as encoded ({@code user_<action>_<window>} for the
     * counters, {@code user_sequence_fill}), null for the recency slot, which is watched as raw hours instead
     * ({@code DriftFeatures.USER_RECENCY_HOURS}) and depends on the request time. Predictions carry these slots by
     * name ({@code Prediction.user_inputs}) and the model card bins the same slots of the validation rows.
     */
    @JsonIgnore
    public String[] userInputNames() {
        String[] names = new String[denseWidth()];
        int i = 0;
        for (long w : counterWindowsMs) {
            String window = dev.tandem.schemas.config.Durations.format(java.time.Duration.ofMillis(w));
            for (String a : counterActions) names[i++] = "user_" + a.toLowerCase(java.util.Locale.ROOT) + "_" + window;
        }
        names[i + 1] = "user_sequence_fill";
        return names;
    }

    /**
     * Why a server encoding with this spec cannot feed a model trained on {@code model}; empty when it
     * can. Every parameter that changes a number must be equal, and every input the model names must
     * exist here with the same dtype, shape and vocabulary.
     */
    public List<String> incompatibilities(FeatureSpec model) {
        List<String> out = new ArrayList<>();
        diff(out, "formatVersion", formatVersion, model.formatVersion);
        diff(out, "sequenceLength", sequenceLength, model.sequenceLength);
        diff(out, "itemBuckets", itemBuckets, model.itemBuckets);
        diff(out, "categoryBuckets", categoryBuckets, model.categoryBuckets);
        diff(out, "brandBuckets", brandBuckets, model.brandBuckets);
        diff(out, "hashSeed", hashSeed, model.hashSeed);
        diff(out, "actions", actions, model.actions);
        diff(out, "timeGapBoundariesMs", timeGapBoundariesMs, model.timeGapBoundariesMs);
        diff(out, "priceBoundaries", priceBoundaries, model.priceBoundaries);
        diff(out, "counterWindowsMs", counterWindowsMs, model.counterWindowsMs);
        diff(out, "counterActions", counterActions, model.counterActions);
        diff(out, "recencyScaleHours", recencyScaleHours, model.recencyScaleHours);
        for (FeatureDef f : model.features) {
            FeatureDef mine = features.stream()
                    .filter(x -> x.name().equals(f.name()))
                    .findFirst()
                    .orElse(null);
            if (mine == null) {
                out.add("input " + f.name() + " is not produced");
            } else if (!mine.equals(f)) {
                out.add("input " + f.name() + ": produced as " + mine + ", model expects " + f);
            }
        }
        return out;
    }

    /** Whether this encoder's output can feed a model trained with {@code model}'s spec. */
    public boolean canProduce(FeatureSpec model) {
        return incompatibilities(model).isEmpty();
    }

    /** @throws IncompatibleSpecException listing every difference */
    public void requireCanProduce(FeatureSpec model) {
        List<String> why = incompatibilities(model);
        if (!why.isEmpty()) {
            throw new IncompatibleSpecException(
                    "this server cannot produce the model's features: " + String.join("; ", why));
        }
    }

    private static void diff(List<String> out, String field, Object mine, Object theirs) {
        if (!Objects.equals(mine, theirs)) {
            out.add(field + ": " + mine + " here, " + theirs + " in the model");
        }
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @throws IllegalArgumentException naming the field when the JSON is malformed or inconsistent */
    public static FeatureSpec fromJson(String json) {
        try {
            return JSON.readValue(json, FeatureSpec.class);
        } catch (com.fasterxml.jackson.databind.exc.ValueInstantiationException e) {
            Throwable c = e.getCause() != null ? e.getCause() : e;
            throw new IllegalArgumentException("invalid feature spec: " + c.getMessage(), e);
        } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
            throw new IllegalArgumentException(
                    "invalid feature spec at " + e.getPathReference() + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("invalid feature spec JSON: " + e.getMessage(), e);
        }
    }

    public void write(Path dir) throws IOException {
        Files.writeString(dir.resolve(FILE_NAME), toJson());
    }

    public static FeatureSpec read(Path dir) throws IOException {
        return fromJson(Files.readString(dir.resolve(FILE_NAME)));
    }

    private static void requireAscending(String field, List<? extends Comparable> values) {
        for (int i = 1; i < values.size(); i++) {
            @SuppressWarnings("unchecked")
            int c = values.get(i).compareTo(values.get(i - 1));
            require(c > 0, field + " must be strictly ascending, " + values.get(i) + " after " + values.get(i - 1));
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** A model whose feature spec this side cannot produce. */
    public static final class IncompatibleSpecException extends IllegalStateException {
        public IncompatibleSpecException(String message) {
            super(message);
        }
    }
}
