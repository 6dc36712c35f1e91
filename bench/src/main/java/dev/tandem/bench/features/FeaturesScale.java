package dev.tandem.bench.features;

import static dev.tandem.features.FeatureNames.USER_SEQUENCES_STORE;

import dev.tandem.bench.BenchEnvironment;
import dev.tandem.bench.features.FeaturesThroughput.Kind;
import dev.tandem.datasets.generator.SyntheticWorld;
import dev.tandem.features.FeaturesApp;
import dev.tandem.features.FeaturesConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.LagInfo;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreTypes;

/**
 * The features app at one number of users, for {@code tandem bench scale}: its throughput on one world's events spread
 * round robin over the users (every user gets events; only their number changes between sizes), what its state costs
 * (the {@code user-sequences} store on disk, its changelog), and two restores of that state: a fresh instance from
 * the changelog, and the promotion of a standby replica when the active instance leaves the group.
 */
public final class FeaturesScale implements AutoCloseable {
    /** How long a restore or promotion may take before the run fails. */
    private static final Duration RESTORE_TIMEOUT = Duration.ofMinutes(10);

    /**
     * @param store the {@code user-sequences} RocksDB stores after the run (the app closed, memtables flushed): as left,
     *     fully compacted, and their live entries' bytes
     * @param changelogBytes the store's changelog on the broker, as written (compaction may not have run yet)
     * @param restoreSeconds a fresh instance with an empty state dir: start → ready (every store restored)
     * @param standbyCatchUpSeconds a second instance with standby replicas: start → its standbys within one record of
     *     the changelog's end
     * @param promotionSeconds the active instance leaves the group (close, leave group) → the second one serves every
     *     partition of the store (interactive queries answer)
     * @param promotionRestoredRecords records the second instance restored during the promotion (0 = the standbys
     *     were current)
     * @param outputTopic the run's user-features topic, one record per event (what the scoring job reads)
     */
    public record Result(
            int users,
            double eventsPerSec,
            StoreFootprint store,
            long changelogBytes,
            double restoreSeconds,
            long restoredRecords,
            double standbyCatchUpSeconds,
            double promotionSeconds,
            long promotionRestoredRecords,
            String outputTopic,
            long lastEventTimeMs) {}

    private final FeaturesRunContext ctx;

    public FeaturesScale(BenchEnvironment env, PrintWriter out, Map<String, String> settings) {
        this.ctx = new FeaturesRunContext(env, out, settings);
    }

    /** The user id of the scale runs' user {@code n}. */
    public static String userId(long n) {
        return "s" + n;
    }

    /**
     * One unreported throughput run of the app on {@code world}'s events (all of them: {@code events}) over
     * {@code users} users, so the first measured size does not pay for the JIT; returns its events/s.
     */
    public double warmUp(SyntheticWorld world, long events, int users) throws Exception {
        FeaturesThroughput throughput = new FeaturesThroughput(ctx, events, false);
        String input = ctx.env.freshTopic("scale-warm-up");
        Map<TopicPartition, Long> end = throughput.preload(input, world, k -> userId(k % users));
        return throughput
                .run(Kind.REAL, input, end, FeaturesConfig.defaults().commitIntervalMs())
                .eventsPerSec();
    }

    /** {@code events} events of {@code world}, event {@code k} by user {@code k mod users}. */
    public Result measure(SyntheticWorld world, long events, int users) throws Exception {
        FeaturesThroughput throughput = new FeaturesThroughput(ctx, events, false);
        String input = ctx.env.freshTopic("scale-events");
        Map<TopicPartition, Long> end = throughput.preload(input, world, k -> userId(k % users));
        double rate = throughput
                .run(Kind.REAL, input, end, FeaturesConfig.defaults().commitIntervalMs())
                .eventsPerSec();
        FeaturesConfig ran = throughput.lastConfig();
        Map<String, Object> streamsConfig = new java.util.HashMap<>();
        ran.streamsProperties().forEach((k, v) -> streamsConfig.put(k.toString(), v));
        StoreFootprint store = StoreFootprint.of(ran.stateDir(), USER_SEQUENCES_STORE, streamsConfig);
        long changelog = changelogBytes(ran.applicationId() + "-" + USER_SEQUENCES_STORE + "-changelog");
        ctx.say(
                "    state: user-sequences store %,d bytes on disk as left (%.0f per user), %,d fully compacted (%.0f), live"
                        + " entries %,d bytes (%.0f, %,d entries); changelog %,d bytes as written (%.0f per user)",
                store.asLeftBytes(),
                (double) store.asLeftBytes() / users,
                store.compactedBytes(),
                (double) store.compactedBytes() / users,
                store.liveBytes(),
                (double) store.liveBytes() / users,
                store.entries(),
                changelog,
                (double) changelog / users);

        FeaturesConfig withStandby = ran.with(Map.of(FeaturesConfig.STREAMS_PREFIX + "num.standby.replicas", "1"));
        FeaturesApp active = start(withStandby);
        FeaturesApp second = null;
        boolean activeClosed = false;
        try {
            long t0 = System.nanoTime();
            await(active::isReady, "a fresh instance to restore from the changelog");
            double restore = (System.nanoTime() - t0) / 1e9;
            long restored = active.restoredRecords();
            ctx.say("    restore from the changelog: %.2f s (%,d records, empty state dir)", restore, restored);

            second = start(withStandby);
            FeaturesApp joined = second;
            long t1 = System.nanoTime();
            await(() -> active.isReady() && joined.isReady() && caughtUp(joined), "the standby replicas to catch up");
            double catchUp = (System.nanoTime() - t1) / 1e9;
            long before = second.restoredRecords();

            long t2 = System.nanoTime();
            active.close(Duration.ofSeconds(30), true);
            activeClosed = true;
            double closing = (System.nanoTime() - t2) / 1e9;
            await(() -> joined.isReady() && servesEveryPartition(joined), "the standbys to be promoted");
            double promotion = (System.nanoTime() - t2) / 1e9;
            long promotedRestore = second.restoredRecords() - before;
            ctx.say(
                    "    standby: caught up %.2f s after joining; the active left (close %.2f s) → the standby serves every partition in %.2f s (%,d records restored then)",
                    catchUp, closing, promotion, promotedRestore);
            return new Result(
                    users,
                    rate,
                    store,
                    changelog,
                    restore,
                    restored,
                    catchUp,
                    promotion,
                    promotedRestore,
                    ran.topics().userFeatures(),
                    throughput.lastEventTimeMs());
        } finally {
            if (!activeClosed) active.close(Duration.ofSeconds(30), true);
            if (second != null) second.close(Duration.ofSeconds(30), true);
        }
    }

    private FeaturesApp start(FeaturesConfig config) throws IOException {
        return new FeaturesApp(config.with(
                        Map.of(FeaturesConfig.STATE_DIR, ctx.newStateDir().toString())))
                .start();
    }

    /** Every partition of the store on this instance (active or standby) within one record of its changelog's end. */
    private boolean caughtUp(FeaturesApp app) {
        Map<Integer, LagInfo> lags = app.streams().allLocalStorePartitionLags().get(USER_SEQUENCES_STORE);
        if (lags == null || lags.size() < ctx.env.partitions()) return false;
        // exactly once: the changelog ends with a commit marker, which no store position ever passes
        return lags.values().stream().allMatch(l -> l.offsetLag() <= 1);
    }

    /** Interactive queries of the store answer on this instance for every partition (active there, running). */
    private boolean servesEveryPartition(FeaturesApp app) {
        for (int p = 0; p < ctx.env.partitions(); p++) {
            try {
                app.streams()
                        .store(StoreQueryParameters.fromNameAndType(
                                        USER_SEQUENCES_STORE, QueryableStoreTypes.<String, byte[]>keyValueStore())
                                .withPartition(p))
                        .approximateNumEntries();
            } catch (InvalidStateStoreException e) {
                return false;
            }
        }
        return true;
    }

    private void await(BooleanSupplier done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + RESTORE_TIMEOUT.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline)
                throw new IllegalStateException("waited " + RESTORE_TIMEOUT.toMinutes() + " min for " + what);
            Thread.sleep(5);
        }
    }

    /** The topic's partitions' sizes in the brokers' log dirs (every replica). */
    private long changelogBytes(String topic) throws Exception {
        try (Admin admin = ctx.admin()) {
            List<Integer> brokers =
                    admin.describeCluster().nodes().get().stream().map(Node::id).toList();
            long bytes = 0;
            for (Map<String, LogDirDescription> dirs :
                    admin.describeLogDirs(brokers).allDescriptions().get().values()) {
                for (LogDirDescription d : dirs.values()) {
                    for (Map.Entry<TopicPartition, ReplicaInfo> r :
                            d.replicaInfos().entrySet()) {
                        if (r.getKey().topic().equals(topic))
                            bytes += r.getValue().size();
                    }
                }
            }
            return bytes;
        }
    }

    @Override
    public void close() {
        ctx.close();
    }
}
