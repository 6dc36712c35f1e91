package dev.tandem.features.it;

import static dev.tandem.features.FeatureNames.DEAD_LETTERS_TOPIC;
import static dev.tandem.features.FeatureNames.EVENTS_TOPIC;
import static dev.tandem.features.FeatureNames.ITEMS_TOPIC;
import static dev.tandem.features.FeatureNames.ITEM_FEATURES_TOPIC;
import static dev.tandem.features.FeatureNames.USER_FEATURES_TOPIC;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.datasets.generator.GeneratorConfig;
import dev.tandem.features.FeatureSerdes;
import dev.tandem.features.FeaturesApp;
import dev.tandem.features.FeaturesConfig;
import dev.tandem.features.sequence.BehaviourSequence;
import dev.tandem.features.sequence.ItemStats;
import dev.tandem.features.sequence.SequenceUpdater;
import dev.tandem.features.sequence.UpdateOutcome;
import dev.tandem.features.validation.EventValidator;
import dev.tandem.features.validation.InvalidEventException;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.topics.TopicSpec;
import dev.tandem.testkit.FileTrees;
import dev.tandem.testkit.TandemClusterExtension;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The features app killed with SIGKILL in the middle of a transaction, twice, while a generated log is produced to
 * {@code events}; restarted each time with the same configuration and state dir. The app runs in a child JVM (its
 * {@code main}, configured by a properties file), so the kill is a real one: no shutdown hook, no flush, no commit.
 *
 * <p>Afterwards, reading read_committed:
 * <ol>
 *   <li>every user's latest {@code UserFeatures} equals what the pure {@link SequenceUpdater} gives on the same events
 *       offline, after the same {@link EventValidator};</li>
 *   <li>every accepted event produced exactly one {@code user-features} record: per user, each
 *       {@code sequence_version} from 1 to the offline version appears once (none missing, none twice);</li>
 *   <li>every accepted view, cart or purchase produced exactly one {@code item-features} record of its item;</li>
 *   <li>every invalid event (one in {@value #INVALID_EVERY} is a copy with an unknown action) is on
 *       {@code dead-letters} exactly once.</li>
 * </ol>
 * With {@code -Dtandem.crash.guarantee=at_least_once} (or {@code TANDEM_CRASH_GUARANTEE}) the same test runs the app
 * at least once, and fails: the killed app's input since its last commit is processed again after the restart, and
 * what it had written for that input is written again. (The user path alone hides it: the replayed events' ids are in
 * the restored sequences, so they count as duplicates and emit nothing; item counts and dead letters have no such
 * memory.)
 */
@Timeout(240)
class FeaturesCrashIT {
    private static final Logger LOG = LoggerFactory.getLogger(FeaturesCrashIT.class);

    private static final String GUARANTEE = System.getProperty(
            "tandem.crash.guarantee", System.getenv().getOrDefault("TANDEM_CRASH_GUARANTEE", "exactly_once_v2"));
    private static final boolean TRANSACTIONAL = GUARANTEE.startsWith("exactly_once");
    /**
     * {@code static} (the default: a fixed {@code group.instance.id}, as a StatefulSet pod's name gives) or
     * {@code dynamic}; with {@code -Dtandem.crash.session.timeout.ms} the consumers' session timeout too. The summary
     * reports each restart's recovery time, kill to the first output the new instance commits, so the three ways
     * of rejoining can be compared (docs/reliability.md); a time is a figure of the machine, not asserted.
     */
    private static final String MEMBERSHIP = System.getProperty("tandem.crash.membership", "static");

    private static final String SESSION_TIMEOUT_MS = System.getProperty("tandem.crash.session.timeout.ms", "");

    private static final int USERS = 300;
    private static final int EVENTS = 5_000;
    static final int INVALID_EVERY = 100;
    /** 400 events/s: a steady flow, so a transaction is open almost all the time. */
    private static final int EVENTS_PER_TICK = 20;

    private static final Duration TICK = Duration.ofMillis(50);
    /**
     * The log never runs further ahead of the committed outputs than this: however fast the machine, the app cannot
     * catch up with all of it in one transaction, so at every kill point some outputs are still to come.
     */
    private static final int LEAD = EVENTS / 10;
    /** Kill when the committed outputs first pass these fractions of the expected ones. */
    private static final double[] KILL_AT = {0.25, 0.60};
    /** Further kill points, used only if a kill missed the open transaction (it can land between two commits). */
    private static final double[] SPARE_KILL_AT = {0.75, 0.85};

    private static final Path LOGS = Path.of("target", "features-crash-it");

    @RegisterExtension
    static final TandemClusterExtension CLUSTER = new TandemClusterExtension()
            .withoutPlatformTopics()
            .withTopics(
                    new TopicSpec(EVENTS_TOPIC, 2, Map.of("cleanup.policy", "delete")),
                    new TopicSpec(ITEMS_TOPIC, 2, Map.of("cleanup.policy", "compact")),
                    // Compacted, as in production, but not within a week: a compaction during the test could hide a
                    // duplicate.
                    new TopicSpec(
                            USER_FEATURES_TOPIC,
                            2,
                            Map.of(
                                    "cleanup.policy",
                                    "compact",
                                    "min.compaction.lag.ms",
                                    Long.toString(Duration.ofDays(7).toMillis()))),
                    new TopicSpec(DEAD_LETTERS_TOPIC, 2, Map.of("cleanup.policy", "delete")),
                    new TopicSpec(ITEM_FEATURES_TOPIC, 2, Map.of("cleanup.policy", "delete")));

    @Test
    void killedMidTransactionTwiceEveryEventCountsExactlyOnce() throws Exception {
        long started = System.nanoTime();
        Files.createDirectories(LOGS);
        Path stateDir = Files.createTempDirectory(LOGS.toAbsolutePath(), "state-");
        Map<String, String> settings =
                FeaturesItSupport.settings(CLUSTER, "features-crash-" + GUARANTEE.replace('_', '-'), stateDir);
        settings.put(FeaturesConfig.PROCESSING_GUARANTEE, GUARANTEE);
        settings.put(FeaturesConfig.COMMIT_INTERVAL_MS, "500");
        // Expiry runs on a wall-clock punctuator: it would make the outputs depend on how long the test takes.
        settings.put(FeaturesConfig.USER_TTL, "0");
        settings.put(FeaturesConfig.TOPIC_ITEM_FEATURES, ITEM_FEATURES_TOPIC);
        // A restarted instance takes its partitions back at once, as a pod with a stable name does; without it the
        // restart would wait out the dead member's session timeout.
        if (MEMBERSHIP.equals("static"))
            settings.put(FeaturesConfig.STREAMS_PREFIX + "group.instance.id", "features-crash-it");
        if (!SESSION_TIMEOUT_MS.isEmpty())
            settings.put(FeaturesConfig.STREAMS_PREFIX + "consumer.session.timeout.ms", SESSION_TIMEOUT_MS);
        FeaturesConfig config = FeaturesConfig.fromMap(settings);
        Path props = LOGS.resolve("features-" + GUARANTEE + ".properties");
        Properties p = new Properties();
        p.putAll(settings);
        try (Writer w = Files.newBufferedWriter(props)) {
            p.store(w, "FeaturesCrashIT");
        }

        // -------- the input: a generated log, plus one invalid copy (unknown action, own id) in every INVALID_EVERY
        // events
        List<UserEvent> input = FeaturesItSupport.generatedWithInvalidCopies(
                GeneratorConfig.of(USERS, 2_000, EVENTS, 20_240_611L), INVALID_EVERY);

        // -------- the expected result: the same events through the same validation and SequenceUpdater, offline
        EventValidator validator = new EventValidator(
                config.policy().maxIdLength(), config.options().maxClockSkew().toMillis());
        Map<String, BehaviourSequence> offline = new LinkedHashMap<>();
        Set<String> invalidIds = new HashSet<>();
        Map<String, Long> itemEvents = new TreeMap<>();
        for (UserEvent e : input) {
            try {
                validator.validate(e.getUserId(), e, System.currentTimeMillis());
            } catch (InvalidEventException ex) {
                invalidIds.add(e.getEventId());
                continue;
            }
            UpdateOutcome outcome = SequenceUpdater.apply(
                    offline.computeIfAbsent(e.getUserId(), u -> new BehaviourSequence(config.policy())), e);
            if (outcome == UpdateOutcome.ACCEPTED && ItemStats.tracks(e.getAction()))
                itemEvents.merge(e.getItemId(), 1L, Long::sum);
        }
        long expectedOutputs = offline.values().stream()
                .mapToLong(BehaviourSequence::sequenceVersion)
                .sum();
        assertThat(invalidIds).hasSize(EVENTS / INVALID_EVERY);
        assertThat(expectedOutputs).as("accepted events").isGreaterThan(EVENTS / 2);

        FeatureSerdes serdes = FeatureSerdes.forRegistry(CLUSTER.registryUrl(), Map.of());
        List<String> kills = new ArrayList<>();
        Process app = null;
        ScheduledExecutorService ticker =
                Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "crash-it-producer"));
        try (Admin admin =
                        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, CLUSTER.bootstrapServers()));
                KafkaProducer<byte[], byte[]> producer =
                        new KafkaProducer<>(FeaturesItSupport.byteProducerProps(CLUSTER));
                CommittedCounter outputs = new CommittedCounter(USER_FEATURES_TOPIC)) {
            int run = 1;
            app = launch(props, run);

            // -------- the log goes in at a steady pace while the app runs, dies and comes back
            AtomicInteger produced = new AtomicInteger();
            CompletableFuture<Void> allProduced = new CompletableFuture<>();
            ticker.scheduleAtFixedRate(
                    () -> {
                        try {
                            int from = produced.get();
                            int to = (int)
                                    Math.min(Math.min(input.size(), from + EVENTS_PER_TICK), outputs.count() + LEAD);
                            for (UserEvent e : input.subList(from, to)) {
                                producer.send(
                                        new ProducerRecord<>(
                                                EVENTS_TOPIC,
                                                e.getUserId().getBytes(StandardCharsets.UTF_8),
                                                serdes.userEvent().serializer().serialize(EVENTS_TOPIC, e)),
                                        (md, ex) -> {
                                            if (ex != null) allProduced.completeExceptionally(ex);
                                        });
                            }
                            produced.set(to);
                            if (to == input.size()) {
                                producer.flush();
                                allProduced.complete(null);
                                ticker.shutdown();
                            }
                        } catch (RuntimeException e) {
                            allProduced.completeExceptionally(e);
                            ticker.shutdown();
                        }
                    },
                    0,
                    TICK.toMillis(),
                    TimeUnit.MILLISECONDS);

            // -------- SIGKILL at the kill points, each time with outputs of an open transaction on user-features
            int midTransaction = 0;
            List<Double> points = new ArrayList<>();
            for (double f : KILL_AT) points.add(f);
            for (int k = 0; k < points.size(); k++) {
                long threshold = (long) (points.get(k) * expectedOutputs);
                Process running = app;
                int thisRun = run;
                await().atMost(Duration.ofSeconds(90))
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> {
                            assertAlive(running, thisRun);
                            return outputs.poll() >= threshold && (!TRANSACTIONAL || openTransactionRecords(admin) > 0);
                        });
                long committed = outputs.count();
                int producedAtKill = produced.get();
                long killedAt = System.nanoTime();
                app.destroyForcibly();
                assertThat(app.waitFor(30, TimeUnit.SECONDS))
                        .as("killed app exits")
                        .isTrue();
                long open = openTransactionRecords(admin);
                String kill = String.format(
                        "kill %d at %.0f %%: %d of %d outputs committed, %d of %d events produced, "
                                + "%d records of the killed app's open transaction on %s",
                        k + 1,
                        100 * points.get(k),
                        committed,
                        expectedOutputs,
                        producedAtKill,
                        input.size(),
                        open,
                        USER_FEATURES_TOPIC);
                LOG.info("{}", kill);
                kills.add(kill);
                assertThat(committed)
                        .as("the app had not committed every output when killed")
                        .isLessThan(expectedOutputs);
                if (!TRANSACTIONAL || open > 0) {
                    midTransaction++;
                } else if (points.size() < KILL_AT.length + SPARE_KILL_AT.length) {
                    points.add(SPARE_KILL_AT[points.size() - KILL_AT.length]); // landed between two commits: once more
                }
                app = launch(props, ++run);
                // Recovered once the new instance commits an output: its partitions are assigned, its state is
                // restored and its first transaction is through. The producer is held LEAD events ahead, so there is
                // input waiting.
                Process restarted = app;
                int restartedRun = run;
                await().atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> {
                            assertAlive(restarted, restartedRun);
                            return outputs.poll() > committed;
                        });
                double recovery = (System.nanoTime() - killedAt) / 1e9;
                kills.set(
                        kills.size() - 1, kill + String.format(", recovered in %.1f s (%s)", recovery, restored(run)));
            }
            assertThat(midTransaction)
                    .as("kills with an open transaction: %s", kills)
                    .isGreaterThanOrEqualTo(KILL_AT.length);

            // -------- the rest of the log, processed to the end by the last instance
            Process last = app;
            int lastRun = run;
            await().atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> {
                        assertAlive(last, lastRun);
                        outputs.poll();
                        return allProduced.isDone();
                    });
            allProduced.get();
            await().atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        assertAlive(last, lastRun);
                        outputs.poll();
                        return caughtUp(admin, config.applicationId()) && openTransactionRecords(admin) == 0;
                    });
        } finally {
            ticker.shutdownNow();
            if (app != null) {
                app.destroy();
                if (!app.waitFor(30, TimeUnit.SECONDS)) app.destroyForcibly();
            }
        }

        // -------- (1) the latest features per user, (2) one output per accepted event, (3) one dead letter per invalid
        // event
        Map<String, UserFeatures> latest = new HashMap<>();
        Map<String, Map<Long, Integer>> versions = new TreeMap<>();
        long outputRecords = 0;
        for (ConsumerRecord<byte[], byte[]> r : readCommitted(USER_FEATURES_TOPIC)) {
            outputRecords++;
            String user = new String(r.key(), StandardCharsets.UTF_8);
            UserFeatures f = serdes.userFeatures().deserializer().deserialize(USER_FEATURES_TOPIC, r.value());
            latest.put(user, f);
            versions.computeIfAbsent(user, u -> new TreeMap<>()).merge(f.getSequenceVersion(), 1, Integer::sum);
        }
        long missing = 0;
        long duplicated = 0;
        long unexpected = 0;
        List<String> examples = new ArrayList<>();
        for (Map.Entry<String, BehaviourSequence> e : offline.entrySet()) {
            Map<Long, Integer> seen = versions.getOrDefault(e.getKey(), Map.of());
            for (long v = 1; v <= e.getValue().sequenceVersion(); v++) {
                int n = seen.getOrDefault(v, 0);
                if (n == 0) missing++;
                if (n > 1) duplicated += n - 1;
                if (n != 1 && examples.size() < 10)
                    examples.add("user " + e.getKey() + " version " + v + ": " + n + " records");
            }
        }
        for (Map.Entry<String, Map<Long, Integer>> e : versions.entrySet()) {
            BehaviourSequence expected = offline.get(e.getKey());
            long max = expected == null ? 0 : expected.sequenceVersion();
            unexpected += e.getValue().entrySet().stream()
                    .filter(v -> v.getKey() < 1 || v.getKey() > max)
                    .mapToInt(Map.Entry::getValue)
                    .sum();
        }
        List<String> wrongLatest = offline.entrySet().stream()
                .filter(e -> !e.getValue().toUserFeatures(e.getKey()).equals(latest.get(e.getKey())))
                .map(Map.Entry::getKey)
                .toList();
        Map<String, Long> deadLetters = readCommitted(DEAD_LETTERS_TOPIC).stream()
                .map(r -> serdes.userEvent()
                        .deserializer()
                        .deserialize(EVENTS_TOPIC, r.value())
                        .getEventId())
                .collect(Collectors.groupingBy(id -> id, TreeMap::new, Collectors.counting()));
        long deadLetterDuplicates =
                deadLetters.values().stream().mapToLong(n -> n - 1).sum();
        // item-features: one record per accepted view, cart or purchase of the item (the counts, not the windows: an
        // item's events come from both user partitions, in an order that differs from the offline one)
        Map<String, Long> itemOutputs = readCommitted(ITEM_FEATURES_TOPIC).stream()
                .collect(Collectors.groupingBy(
                        r -> new String(r.key(), StandardCharsets.UTF_8), TreeMap::new, Collectors.counting()));
        long itemMissing = 0;
        long itemDuplicated = 0;
        for (String item : union(itemEvents.keySet(), itemOutputs.keySet())) {
            long diff = itemOutputs.getOrDefault(item, 0L) - itemEvents.getOrDefault(item, 0L);
            if (diff < 0) itemMissing -= diff;
            else itemDuplicated += diff;
        }

        String summary = String.format(
                "%s, %s membership%s: %d events in (%d invalid), %d accepted; %d user-features records, %d versions missing, "
                        + "%d duplicated, %d unexpected, %d users with other latest features; %d item-features records for %d item events "
                        + "(%d missing, %d extra); %d dead letters (%d duplicated); %.1f s%n  %s",
                GUARANTEE,
                MEMBERSHIP,
                SESSION_TIMEOUT_MS.isEmpty() ? "" : ", session timeout " + SESSION_TIMEOUT_MS + " ms",
                input.size(),
                invalidIds.size(),
                expectedOutputs,
                outputRecords,
                missing,
                duplicated,
                unexpected,
                wrongLatest.size(),
                itemOutputs.values().stream().mapToLong(Long::longValue).sum(),
                itemEvents.values().stream().mapToLong(Long::longValue).sum(),
                itemMissing,
                itemDuplicated,
                deadLetters.values().stream().mapToLong(Long::longValue).sum(),
                deadLetterDuplicates,
                (System.nanoTime() - started) / 1e9,
                String.join("\n  ", kills));
        LOG.info("FeaturesCrashIT {}", summary);
        Files.writeString(LOGS.resolve("summary-" + GUARANTEE + ".txt"), summary + System.lineSeparator());

        assertThat(wrongLatest)
                .as("users whose latest features differ from the offline replay; %s", summary)
                .isEmpty();
        assertThat(missing)
                .as("versions without a user-features record (%s); %s", examples, summary)
                .isZero();
        assertThat(duplicated)
                .as("versions with more than one user-features record (%s); %s", examples, summary)
                .isZero();
        assertThat(unexpected)
                .as("records with versions the offline replay never reached; %s", summary)
                .isZero();
        assertThat(outputRecords).isEqualTo(expectedOutputs);
        assertThat(itemMissing)
                .as("item events without an item-features record; %s", summary)
                .isZero();
        assertThat(itemDuplicated)
                .as("item events with more than one item-features record; %s", summary)
                .isZero();
        assertThat(deadLetters.keySet())
                .as("dead-lettered event ids; %s", summary)
                .isEqualTo(invalidIds);
        assertThat(deadLetterDuplicates)
                .as("dead letters written twice; %s", summary)
                .isZero();
        FileTrees.delete(stateDir); // kept when the test fails, with the apps' logs beside it
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> u = new java.util.TreeSet<>(a);
        u.addAll(b);
        return u;
    }

    /** The app's own main in a child JVM on the test's class path, its output in {@code target/features-crash-it}. */
    private static Process launch(Path props, int run) throws IOException {
        Path log = LOGS.resolve("features-" + GUARANTEE + "-run" + run + ".log");
        ProcessBuilder pb = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx384m",
                        "-XX:+UseSerialGC",
                        "-XX:TieredStopAtLevel=1",
                        "-cp",
                        System.getProperty("java.class.path"),
                        FeaturesApp.class.getName(),
                        props.toAbsolutePath().toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        // The properties file is the whole configuration: no TANDEM_* variable of the shell running the build.
        pb.environment().keySet().removeIf(k -> k.startsWith(FeaturesConfig.ENV_PREFIX));
        LOG.info("starting the features app (run {}), log {}", run, log);
        return pb.start();
    }

    /**
     * The stores the run's Streams client wiped to rebuild from their changelogs: under exactly-once, a store left
     * without a checkpoint file by a crash may hold uncommitted writes, so its task is declared corrupt (Kafka 4.2
     * logs "State store X did not find checkpoint offsets" for each).
     */
    private static String restored(int run) throws IOException {
        Path log = LOGS.resolve("features-" + GUARANTEE + "-run" + run + ".log");
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(
                "stream-task \\[(\\S+)] State store (\\S+) did not find checkpoint offsets");
        Set<String> wiped = new java.util.TreeSet<>();
        for (String line : Files.readAllLines(log)) {
            java.util.regex.Matcher m = p.matcher(line);
            if (m.find()) wiped.add(m.group(2) + "@" + m.group(1));
        }
        return wiped.size() + " stores wiped and rebuilt from their changelogs" + (wiped.isEmpty() ? "" : " " + wiped);
    }

    private static void assertAlive(Process app, int run) throws IOException {
        if (app.isAlive()) return;
        Path log = LOGS.resolve("features-" + GUARANTEE + "-run" + run + ".log");
        List<String> lines = Files.readAllLines(log);
        throw new AssertionError("the features app (run " + run + ") exited with " + app.exitValue()
                + "; its log ends:\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
    }

    /**
     * Records on {@code user-features} past its last stable offset: written by a transaction that is still open (the
     * high watermark counts them, a read_committed reader stops before them).
     */
    private static long openTransactionRecords(Admin admin) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int partition = 0; partition < 2; partition++)
            latest.put(new TopicPartition(USER_FEATURES_TOPIC, partition), OffsetSpec.latest());
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> stable = admin.listOffsets(
                        latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                .all()
                .get();
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> written = admin.listOffsets(
                        latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED))
                .all()
                .get();
        return latest.keySet().stream()
                .mapToLong(tp -> written.get(tp).offset() - stable.get(tp).offset())
                .sum();
    }

    /** The app's committed offsets on the events topic have reached its end offsets. */
    private static boolean caughtUp(Admin admin, String groupId) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId)
                .partitionsToOffsetAndMetadata()
                .get();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int partition = 0; partition < 2; partition++)
            latest.put(new TopicPartition(EVENTS_TOPIC, partition), OffsetSpec.latest());
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end =
                admin.listOffsets(latest).all().get();
        return end.entrySet().stream().allMatch(e -> {
            OffsetAndMetadata c = committed.get(e.getKey());
            return c != null && c.offset() >= e.getValue().offset();
        });
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String topic) {
        return FeaturesItSupport.consumer(CLUSTER, topic, "crash-it-reader");
    }

    private static List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic) {
        return FeaturesItSupport.readCommitted(CLUSTER, topic, "crash-it-reader");
    }

    /** Counts the committed records of a topic as they become visible (read_committed), from its beginning. */
    private static final class CommittedCounter implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final AtomicLong count = new AtomicLong();

        CommittedCounter(String topic) {
            consumer = consumer(topic);
        }

        /** Reads what became visible; the test thread only (a consumer is not thread-safe). */
        long poll() {
            return count.addAndGet(consumer.poll(Duration.ofMillis(50)).count());
        }

        /** The count as of the last {@link #poll()}, from any thread. */
        long count() {
            return count.get();
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
