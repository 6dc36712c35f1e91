package dev.tandem.inference;

import dev.tandem.inference.core.BatchScorer;
import dev.tandem.inference.core.BatchScorerFactory;
import dev.tandem.inference.core.ModelRef;
import dev.tandem.inference.core.RawRecord;
import dev.tandem.model.features.EncodedBatch;
import dev.tandem.model.features.FeatureEncoder;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.features.UserVector;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.Candidate;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.SequenceEvent;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.WindowCount;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.topics.TandemTopics;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** Test data and a deterministic fake {@link BatchScorer}. */
public final class Fixtures {
    public static final FeatureSpec SPEC = FeatureSpec.defaults().withSequenceLength(6);
    public static final List<String> STAGES = List.of("CART", "PURCHASE");

    private Fixtures() {}

    public static ItemMetadata item(String id, String category, String brand, Double price) {
        return ItemMetadata.newBuilder()
                .setItemId(id)
                .setCategoryPath(List.of("root", category))
                .setBrand(brand)
                .setPrice(price)
                .build();
    }

    public static Candidate candidate(String itemId) {
        return Candidate.newBuilder().setItemId(itemId).setMetadata(null).build();
    }

    public static Candidate candidate(ItemMetadata md) {
        return Candidate.newBuilder().setItemId(md.getItemId()).setMetadata(md).build();
    }

    public static ScoringRequest request(String id, String user, long timeMs, Candidate... candidates) {
        return ScoringRequest.newBuilder()
                .setRequestId(id)
                .setUserId(user)
                .setRequestTime(Instant.ofEpochMilli(timeMs))
                .setCandidates(List.of(candidates))
                .build();
    }

    public static ScoringRequest request(String id, String user, long timeMs, String... items) {
        List<Candidate> c = new ArrayList<>();
        for (String i : items) {
            c.add(candidate(i));
        }
        return ScoringRequest.newBuilder()
                .setRequestId(id)
                .setUserId(user)
                .setRequestTime(Instant.ofEpochMilli(timeMs))
                .setCandidates(c)
                .build();
    }

    /** {@code n} events ending at {@code asOfMs}, one minute apart. */
    public static UserFeatures features(String user, long asOfMs, int n, long version) {
        List<SequenceEvent> ev = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ev.add(SequenceEvent.newBuilder()
                    .setItemId(user + "-item-" + i)
                    .setCategoryId("cat-" + (i % 3))
                    .setAction(i % 2 == 0 ? Action.VIEW : Action.CART)
                    .setEventTime(Instant.ofEpochMilli(asOfMs - (n - 1 - i) * 60_000L))
                    .build());
        }
        return UserFeatures.newBuilder()
                .setUserId(user)
                .setAsOf(Instant.ofEpochMilli(asOfMs))
                .setSequenceVersion(version)
                .setEvents(ev)
                .setActionCounts(List.of(WindowCount.newBuilder()
                        .setWindowMs(3_600_000L)
                        .setAction(Action.VIEW)
                        .setCount(n)
                        .build()))
                .build();
    }

    /**
     * One request's rows, encoded here rather than by the job, to compare the job's output with: the
     * user vector of {@code f} at the request time, then per candidate its own metadata, else the
     * {@code catalog}'s, else its id alone.
     */
    public static EncodedBatch encode(
            FeatureEncoder enc, ScoringRequest r, UserFeatures f, Function<String, ItemMetadata> catalog) {
        UserVector uv = enc.newUserVector();
        enc.encodeUser(f, r.getRequestTime().toEpochMilli(), uv);
        EncodedBatch b = enc.newBatch(r.getCandidates().size());
        for (int i = 0; i < r.getCandidates().size(); i++) {
            Candidate c = r.getCandidates().get(i);
            ItemMetadata md = c.getMetadata() != null ? c.getMetadata() : catalog.apply(c.getItemId());
            if (md != null) {
                enc.writeRow(uv, md, b, i);
            } else {
                enc.writeRow(uv, enc.encodeItem(c.getItemId(), null, null, null), b, i);
            }
        }
        return b;
    }

    /** {@link #encode(FeatureEncoder, ScoringRequest, UserFeatures, Function)} with an empty catalog. */
    public static EncodedBatch encode(FeatureEncoder enc, ScoringRequest r, UserFeatures f) {
        return encode(enc, r, f, itemId -> null);
    }

    // ------------------------------------------------------------------ raw records

    /** {@code requests} as raw {@code scoring-requests} records (key user id, value wire-format Avro via {@code registryUrl}). */
    public static List<RawRecord> raw(List<ScoringRequest> requests, String registryUrl) {
        TandemAvroSerializer<ScoringRequest> ser =
                new TandemAvroSerializer<>(SchemaRegistryClients.forUrl(registryUrl, Map.of()), false);
        List<RawRecord> out = new ArrayList<>();
        for (ScoringRequest r : requests) {
            out.add(rawBytes(
                    r.getUserId().getBytes(StandardCharsets.UTF_8),
                    ser.serialize(TandemTopics.SCORING_REQUESTS, r),
                    out.size()));
        }
        return out;
    }

    public static RawRecord rawBytes(byte[] key, byte[] value, long offset) {
        return RawRecord.of(TandemTopics.SCORING_REQUESTS, 0, offset, 1_000L + offset, key, value);
    }

    /** A wire-format request via {@code registryUrl}. */
    public static byte[] encoded(ScoringRequest r, String registryUrl) {
        return new TandemAvroSerializer<ScoringRequest>(SchemaRegistryClients.forUrl(registryUrl, Map.of()), false)
                .serialize(TandemTopics.SCORING_REQUESTS, r);
    }

    // ------------------------------------------------------------------ fake scorer

    /** Deterministic P per row and stage: a hash of every input of the row, in (0, 1). */
    public static float[] fakeScores(EncodedBatch b, int stages) {
        int l = b.spec().sequenceLength();
        int d = b.spec().denseWidth();
        float[] out = new float[b.rows() * stages];
        for (int r = 0; r < b.rows(); r++) {
            int h = 17;
            for (int i = 0; i < l; i++) {
                h = 31 * h + b.seqItem[r * l + i];
                h = 31 * h + b.seqCategory[r * l + i];
                h = 31 * h + b.seqAction[r * l + i];
                h = 31 * h + b.seqTimeGap[r * l + i];
            }
            for (int i = 0; i < d; i++) {
                h = 31 * h + Float.floatToIntBits(b.userDense[r * d + i]);
            }
            h = 31 * h + b.candItem[r];
            h = 31 * h + b.candCategory[r];
            h = 31 * h + b.candBrand[r];
            h = 31 * h + b.candPrice[r];
            float reach = 1f;
            for (int k = 0; k < stages; k++) {
                int x = (h ^ (k * 0x9E3779B9)) * 0x85EBCA6B;
                float step = ((x >>> 8) % 999 + 1) / 1000f;
                reach *= step;
                out[r * stages + k] = reach;
            }
        }
        return out;
    }

    /** Rows per {@code score} call, by factory id (the fake's instances live in this JVM). */
    public static final Map<String, List<Integer>> CALLS = new ConcurrentHashMap<>();

    /** Scores of the fake model {@code version}: version "1" is {@link #fakeScores}, others a distinct scaling of it. */
    public static float[] versionedScores(EncodedBatch b, int stages, String version) {
        float[] p = fakeScores(b, stages);
        if (!version.equals("1")) {
            float salt = 0.5f + (version.hashCode() & 0xff) / 512f;
            for (int i = 0; i < p.length; i++) {
                p[i] *= salt;
            }
        }
        return p;
    }

    /** Every fake scorer made, by factory id, to check which were closed. */
    public static final Map<String, List<FakeScorer>> SCORERS = new ConcurrentHashMap<>();
    /** Latches a fake load with location {@code block:NAME} waits on. */
    public static final Map<String, CountDownLatch> BLOCKS = new ConcurrentHashMap<>();

    /** A fake model version; scoring it after {@link #close} fails the test. */
    public static final class FakeScorer implements BatchScorer {
        private final List<Integer> calls;
        private final String version;
        private final FeatureSpec spec;
        private final boolean failWarmUp;
        public volatile boolean closed;
        public final List<Integer> scored = new CopyOnWriteArrayList<>();

        FakeScorer(List<Integer> calls, String version, FeatureSpec spec, boolean failWarmUp) {
            this.calls = calls;
            this.version = version;
            this.spec = spec;
            this.failWarmUp = failWarmUp;
        }

        @Override
        public FeatureSpec spec() {
            return spec;
        }

        @Override
        public List<String> stages() {
            return STAGES;
        }

        @Override
        public String modelName() {
            return "fake";
        }

        @Override
        public String modelVersion() {
            return version;
        }

        @Override
        public float[] score(EncodedBatch batch) {
            if (closed) {
                throw new IllegalStateException("batch scored by the closed scorer of version " + version);
            }
            calls.add(batch.rows());
            scored.add(batch.rows());
            return versionedScores(batch, STAGES.size(), version);
        }

        @Override
        public void warmUp(int maxRows) {
            if (failWarmUp) {
                throw new IllegalStateException("warm-up failed: NaN probabilities");
            }
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /**
     * The job's model is version "1"; {@link #create(ModelRef)} makes version {@code ref.version()},
     * behaving by location: {@code fail-load} throws, {@code fail-warmup} fails its warm-up,
     * {@code mismatch} has a spec the job cannot produce, {@code block:NAME} waits for {@link #BLOCKS}{@code .get(NAME)}.
     */
    public record FakeScorerFactory(String id) implements BatchScorerFactory {
        @Override
        public FeatureSpec encoderSpec() {
            return SPEC;
        }

        @Override
        public BatchScorer create() {
            return make("1", SPEC, false);
        }

        @Override
        public BatchScorer create(ModelRef ref) throws Exception {
            String loc = ref.location() == null ? "" : ref.location();
            if (loc.startsWith("fail-load")) {
                throw new java.io.IOException("no saved_model.pb in " + loc);
            }
            if (loc.startsWith("block:")) {
                CountDownLatch l = BLOCKS.get(loc.substring("block:".length()));
                if (l != null && !l.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("test latch never opened");
                }
            }
            return make(
                    ref.version(),
                    loc.startsWith("mismatch") ? SPEC.withSequenceLength(SPEC.sequenceLength() + 1) : SPEC,
                    loc.startsWith("fail-warmup"));
        }

        private FakeScorer make(String version, FeatureSpec spec, boolean failWarmUp) {
            FakeScorer f = new FakeScorer(
                    CALLS.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>()), version, spec, failWarmUp);
            SCORERS.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>()).add(f);
            return f;
        }
    }
}
