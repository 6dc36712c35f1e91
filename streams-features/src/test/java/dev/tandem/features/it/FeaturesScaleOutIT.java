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
import dev.tandem.features.http.UserFeaturesJson;
import dev.tandem.features.sequence.BehaviourSequence;
import dev.tandem.features.sequence.ItemStats;
import dev.tandem.features.sequence.SequenceUpdater;
import dev.tandem.features.sequence.UpdateOutcome;
import dev.tandem.features.validation.EventValidator;
import dev.tandem.features.validation.InvalidEventException;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.topics.TopicSpec;
import dev.tandem.testkit.TandemClusterExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scale-out and scale-in of the features app without loss: instance A ({@code exactly_once_v2}, one standby
 * replica) consumes a generated log sent in four portions; instance B (same application id, own state dir and
 * HTTP port) joins while the second portion is processed; A leaves the group ({@code close(timeout, true)}) while
 * the third is processed, so B's standbys of A's tasks are promoted; B processes the fourth alone.
 *
 * <p>Asserted:
 * <ol>
 *   <li>after each portion is processed (the group's committed offsets reach the end of {@code events}), the API of
 *       every running instance answers every user with exactly the JSON the pure {@link SequenceUpdater} gives on
 *       the events sent so far (404 for users without an accepted event yet): alone, with both instances (half the
 *       users forwarded to the owner), and after A left. A 503 while the group rebalances (owner unknown, or
 *       leaving) is retried;</li>
 *   <li>throughout the joins and leaves, a background prober asks both instances for users continuously: every 200
 *       answer is a state the user really went through (the offline features after some prefix of its events);</li>
 *   <li>both instances own active tasks while both run, and B holds standbys of A's tasks before A leaves;</li>
 *   <li>read_committed at the end: every accepted event produced exactly one {@code user-features} record (per user,
 *       each {@code sequence_version} from 1 to the offline version once), every accepted view/cart/purchase one
 *       {@code item-features} record, every invalid event one dead letter.</li>
 * </ol>
 */
@Timeout(180)
class FeaturesScaleOutIT {
    private static final Logger LOG = LoggerFactory.getLogger(FeaturesScaleOutIT.class);

    private static final int PARTITIONS = 4;
    private static final int USERS = 150;
    private static final int EVENTS = 2_400;
    private static final int PORTIONS = 4;
    private static final int INVALID_EVERY = 100;
    private static final String APP_ID = "features-scale-out";
    private static final Set<Integer> TRANSIENT = Set.of(503);

    @RegisterExtension
    static final TandemClusterExtension CLUSTER = new TandemClusterExtension()
            .withoutPlatformTopics()
            .withTopics(
                    new TopicSpec(EVENTS_TOPIC, PARTITIONS, Map.of("cleanup.policy", "delete")),
                    new TopicSpec(ITEMS_TOPIC, PARTITIONS, Map.of("cleanup.policy", "compact")),
                    // Compacted, as in production, but not within a week: a compaction could hide a duplicate.
                    new TopicSpec(
                            USER_FEATURES_TOPIC,
                            PARTITIONS,
                            Map.of(
                                    "cleanup.policy",
                                    "compact",
                                    "min.compaction.lag.ms",
                                    Long.toString(Duration.ofDays(7).toMillis()))),
                    new TopicSpec(DEAD_LETTERS_TOPIC, PARTITIONS, Map.of("cleanup.policy", "delete")),
                    new TopicSpec(ITEM_FEATURES_TOPIC, PARTITIONS, Map.of("cleanup.policy", "delete")));

    @TempDir
    Path tmp;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void secondInstanceJoinsThenFirstLeavesNoOutputLostOrDuplicatedApiRightThroughout() throws Exception {
        long started = System.nanoTime();
        Map<String, String> settings = FeaturesItSupport.settings(CLUSTER, APP_ID, tmp.resolve("state-a"));
        settings.put(FeaturesConfig.PROCESSING_GUARANTEE, "exactly_once_v2");
        // Expiry runs on a punctuator: it would make the outputs depend on how long the test takes.
        settings.put(FeaturesConfig.USER_TTL, "0");
        settings.put(FeaturesConfig.TOPIC_ITEM_FEATURES, ITEM_FEATURES_TOPIC);
        settings.put(FeaturesConfig.STREAMS_PREFIX + "num.standby.replicas", "1");
        // Every instance counts as caught up, so a joining instance gets active tasks in the first rebalance (no
        // warm-up followed by a probing rebalance ten minutes later).
        settings.put(FeaturesConfig.STREAMS_PREFIX + "acceptable.recovery.lag", Long.toString(Long.MAX_VALUE));
        FeaturesConfig configA = FeaturesConfig.fromMap(settings);
        FeaturesConfig configB = configA.with(
                Map.of(FeaturesConfig.STATE_DIR, tmp.resolve("state-b").toString()));

        // -------- the input: a generated log, plus one invalid copy (unknown action, own id) in every INVALID_EVERY
        List<UserEvent> input = FeaturesItSupport.generatedWithInvalidCopies(
                GeneratorConfig.of(USERS, 1_000, EVENTS, 20_261_206L), INVALID_EVERY);
        int portion = (input.size() + PORTIONS - 1) / PORTIONS;
        Expected expected = new Expected(configA, input, portion);
        assertThat(expected.invalidIds).hasSize(EVENTS / INVALID_EVERY);
        assertThat(expected.outputs()).as("accepted events").isGreaterThan(EVENTS / 2);

        FeatureSerdes serdes = FeatureSerdes.forRegistry(CLUSTER.registryUrl(), Map.of());
        List<FeaturesApp> running = new CopyOnWriteArrayList<>();
        Prober prober = new Prober(running, expected);
        FeaturesApp a = null;
        FeaturesApp b = null;
        try (Admin admin =
                        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, CLUSTER.bootstrapServers()));
                KafkaProducer<byte[], byte[]> producer =
                        new KafkaProducer<>(FeaturesItSupport.byteProducerProps(CLUSTER))) {
            // -------- portion 1: A alone
            a = new FeaturesApp(configA).start();
            running.add(a);
            send(producer, serdes, input, 0, portion);
            awaitCaughtUp(admin);
            checkEveryUser(List.of(a), expected, 1);
            prober.start();

            // -------- portion 2: B joins while it is processed
            send(producer, serdes, input, 1, portion);
            b = new FeaturesApp(configB).start();
            running.add(b);
            FeaturesApp fa = a;
            FeaturesApp fb = b;
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> running(fa)
                            && running(fb)
                            && !active(fa).isEmpty()
                            && !active(fb).isEmpty());
            awaitCaughtUp(admin);
            // standbys are assigned in the same rebalance as the actives: each instance holds the other's tasks
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() ->
                            standby(fb).containsAll(active(fa)) && standby(fa).containsAll(active(fb)));
            Set<TaskId> activeA = active(a);
            Set<TaskId> activeB = active(b);
            LOG.info("both running: A active {}, B active {}, B standby {}", activeA, activeB, standby(b));
            assertThat(owners(b, expected.users()))
                    .as("owners of the users, as B's metadata names them")
                    .containsExactlyInAnyOrder(host(a), host(b));
            checkEveryUser(List.of(a, b), expected, 2);

            // -------- portion 3: A leaves the group while it is processed; B's standbys of A's tasks become active
            Set<TaskId> standbyBeforeLeave = standby(b);
            assertThat(standbyBeforeLeave).as("B's standbys before A leaves").containsAll(active(a));
            send(producer, serdes, input, 2, portion);
            running.remove(a);
            a.close(Duration.ofSeconds(30), true);
            a = null;
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> running(fb) && active(fb).containsAll(standbyBeforeLeave));
            awaitCaughtUp(admin);
            assertThat(owners(b, expected.users())).containsExactly(host(b));
            checkEveryUser(List.of(b), expected, 3);

            // -------- portion 4: B alone
            send(producer, serdes, input, 3, portion);
            awaitCaughtUp(admin);
            checkEveryUser(List.of(b), expected, 4);
            prober.stop();
        } finally {
            prober.stop();
            if (a != null) a.close();
            if (b != null) b.close();
        }

        // -------- read_committed: one user-features record per accepted event, one item-features record per
        // accepted item event, one dead letter per invalid event
        Map<String, Map<Long, Integer>> versions = new TreeMap<>();
        long outputRecords = 0;
        for (ConsumerRecord<byte[], byte[]> r : readCommitted(USER_FEATURES_TOPIC)) {
            outputRecords++;
            String user = new String(r.key(), StandardCharsets.UTF_8);
            UserFeatures f = serdes.userFeatures().deserializer().deserialize(USER_FEATURES_TOPIC, r.value());
            versions.computeIfAbsent(user, u -> new TreeMap<>()).merge(f.getSequenceVersion(), 1, Integer::sum);
        }
        long missing = 0;
        long duplicated = 0;
        List<String> examples = new ArrayList<>();
        for (String user : expected.users()) {
            Map<Long, Integer> seen = versions.getOrDefault(user, Map.of());
            for (long v = 1; v <= expected.finalVersion(user); v++) {
                int n = seen.getOrDefault(v, 0);
                if (n == 0) missing++;
                if (n > 1) duplicated += n - 1;
                if (n != 1 && examples.size() < 10)
                    examples.add("user " + user + " version " + v + ": " + n + " records");
            }
        }
        long unexpected = versions.entrySet().stream()
                .mapToLong(e -> e.getValue().entrySet().stream()
                        .filter(v -> v.getKey() < 1 || v.getKey() > expected.finalVersion(e.getKey()))
                        .mapToLong(Map.Entry::getValue)
                        .sum())
                .sum();
        Map<String, Long> itemOutputs = readCommitted(ITEM_FEATURES_TOPIC).stream()
                .collect(Collectors.groupingBy(
                        r -> new String(r.key(), StandardCharsets.UTF_8), TreeMap::new, Collectors.counting()));
        Map<String, Long> deadLetters = readCommitted(DEAD_LETTERS_TOPIC).stream()
                .map(r -> serdes.userEvent()
                        .deserializer()
                        .deserialize(EVENTS_TOPIC, r.value())
                        .getEventId())
                .collect(Collectors.groupingBy(id -> id, TreeMap::new, Collectors.counting()));
        String summary = String.format(
                "%d events in (%d invalid), %d accepted; %d user-features records, %d versions missing, %d duplicated,"
                        + " %d unexpected (%s); %d item-features records for %d item events; %d dead letters;"
                        + " prober: %s; %.1f s",
                input.size(),
                expected.invalidIds.size(),
                expected.outputs(),
                outputRecords,
                missing,
                duplicated,
                unexpected,
                examples,
                itemOutputs.values().stream().mapToLong(Long::longValue).sum(),
                expected.itemEvents.values().stream().mapToLong(Long::longValue).sum(),
                deadLetters.values().stream().mapToLong(Long::longValue).sum(),
                prober.describe(),
                (System.nanoTime() - started) / 1e9);
        LOG.info("FeaturesScaleOutIT {}", summary);

        assertThat(prober.violations)
                .as("answers that were no state of the user; %s", summary)
                .isEmpty();
        assertThat(prober.answered.get()).as("prober answers; %s", summary).isPositive();
        assertThat(missing)
                .as("versions without a user-features record; %s", summary)
                .isZero();
        assertThat(duplicated)
                .as("versions with more than one record; %s", summary)
                .isZero();
        assertThat(unexpected)
                .as("records of versions never reached offline; %s", summary)
                .isZero();
        assertThat(outputRecords).as(summary).isEqualTo(expected.outputs());
        assertThat(itemOutputs)
                .as("item-features records per item; %s", summary)
                .isEqualTo(expected.itemEvents);
        assertThat(deadLetters.keySet())
                .as("dead-lettered event ids; %s", summary)
                .isEqualTo(expected.invalidIds);
        assertThat(deadLetters.values()).as("dead letters per id; %s", summary).allMatch(n -> n == 1L);
    }

    /**
     * The offline replay: for every user, the API's JSON after each of its accepted events (index = sequence
     * version), the version reached after each portion, the accepted item events and the invalid ids.
     */
    private static final class Expected {
        final Map<String, List<String>> snapshots = new LinkedHashMap<>();
        final List<Map<String, Long>> versionAfterPortion = new ArrayList<>();
        final Map<String, Long> itemEvents = new TreeMap<>();
        final Set<String> invalidIds = new HashSet<>();

        Expected(FeaturesConfig config, List<UserEvent> input, int portion) {
            EventValidator validator = new EventValidator(
                    config.policy().maxIdLength(),
                    config.options().maxClockSkew().toMillis());
            Map<String, BehaviourSequence> offline = new LinkedHashMap<>();
            Map<String, Long> version = new HashMap<>();
            for (int i = 0; i < input.size(); i++) {
                UserEvent e = input.get(i);
                try {
                    validator.validate(e.getUserId(), e, System.currentTimeMillis());
                    BehaviourSequence s =
                            offline.computeIfAbsent(e.getUserId(), u -> new BehaviourSequence(config.policy()));
                    if (SequenceUpdater.apply(s, e) == UpdateOutcome.ACCEPTED) {
                        if (ItemStats.tracks(e.getAction())) itemEvents.merge(e.getItemId(), 1L, Long::sum);
                        List<String> list = snapshots.computeIfAbsent(e.getUserId(), u -> new ArrayList<>());
                        list.add(json(s.toUserFeatures(e.getUserId())));
                        assertThat(s.sequenceVersion()).isEqualTo(list.size());
                        version.put(e.getUserId(), s.sequenceVersion());
                    }
                } catch (InvalidEventException ex) {
                    invalidIds.add(e.getEventId());
                }
                if ((i + 1) % portion == 0 || i + 1 == input.size()) versionAfterPortion.add(Map.copyOf(version));
            }
        }

        Collection<String> users() {
            return snapshots.keySet();
        }

        long finalVersion(String user) {
            List<String> s = snapshots.get(user);
            return s == null ? 0 : s.size();
        }

        long outputs() {
            return snapshots.values().stream().mapToLong(List::size).sum();
        }

        /** The JSON after {@code portions} portions, or null when the user had no accepted event by then. */
        String after(String user, int portions) {
            Long v = versionAfterPortion.get(portions - 1).get(user);
            return v == null ? null : snapshots.get(user).get((int) (v - 1));
        }

        /** Whether {@code json} is the user's state after some prefix of its accepted events. */
        boolean wentThrough(String user, String json) {
            List<String> s = snapshots.get(user);
            return s != null && s.contains(json);
        }

        static String json(UserFeatures f) {
            return new String(UserFeaturesJson.toBytes(f), StandardCharsets.UTF_8);
        }
    }

    /** Every user through the API of every given instance, each answer retried while it is a transient 503. */
    private void checkEveryUser(List<FeaturesApp> apps, Expected expected, int portions) {
        long t0 = System.nanoTime();
        AtomicInteger retries = new AtomicInteger();
        for (FeaturesApp app : apps) {
            for (String user : expected.users()) {
                String want = expected.after(user, portions);
                HttpResponse<String> r = await().atMost(Duration.ofSeconds(30))
                        .pollDelay(Duration.ZERO)
                        .pollInterval(Duration.ofMillis(50))
                        .until(
                                () -> {
                                    HttpResponse<String> resp = get(app, user);
                                    if (TRANSIENT.contains(resp.statusCode())) retries.incrementAndGet();
                                    return resp;
                                },
                                resp -> !TRANSIENT.contains(resp.statusCode()));
                if (want == null) {
                    assertThat(r.statusCode())
                            .as("user %s after portion %d via %s: %s", user, portions, host(app), r.body())
                            .isEqualTo(404);
                } else {
                    assertThat(r.statusCode())
                            .as("user %s after portion %d via %s: %s", user, portions, host(app), r.body())
                            .isEqualTo(200);
                    assertThat(r.body())
                            .as("user %s after portion %d via %s", user, portions, host(app))
                            .isEqualTo(want);
                }
            }
        }
        LOG.info(
                "portion {}: {} users right on {} instance(s) ({} transient answers retried) in {} ms",
                portions,
                expected.users().size(),
                apps.size(),
                retries.get(),
                (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * Asks the running instances for one user after another, round robin, on its own thread while the group changes:
     * every 200 must be a state the user went through; 404 and 503 are counted.
     */
    private final class Prober {
        final List<FeaturesApp> running;
        final Expected expected;
        final List<String> users;
        final List<String> violations = new CopyOnWriteArrayList<>();
        final Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
        final AtomicLong answered = new AtomicLong();
        final AtomicLong failedRequests = new AtomicLong();
        ScheduledExecutorService executor;
        int next;

        Prober(List<FeaturesApp> running, Expected expected) {
            this.running = running;
            this.expected = expected;
            this.users = List.copyOf(expected.users());
        }

        void start() {
            executor = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "scale-out-prober"));
            executor.scheduleWithFixedDelay(this::probe, 0, 5, TimeUnit.MILLISECONDS);
        }

        private void probe() {
            for (FeaturesApp app : running) {
                String user = users.get(next++ % users.size());
                HttpResponse<String> r;
                try {
                    r = get(app, user);
                } catch (IOException | RuntimeException e) {
                    failedRequests.incrementAndGet(); // the instance is closing
                    continue;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                answered.incrementAndGet();
                statuses.computeIfAbsent(r.statusCode(), s -> new AtomicLong()).incrementAndGet();
                boolean ok = r.statusCode() == 200
                        ? expected.wentThrough(user, r.body())
                        : r.statusCode() == 404 || TRANSIENT.contains(r.statusCode());
                if (!ok && violations.size() < 20)
                    violations.add("user " + user + " via " + host(app) + ": " + r.statusCode() + " " + r.body());
            }
        }

        void stop() throws InterruptedException {
            if (executor == null) return;
            executor.shutdownNow();
            assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }

        String describe() {
            return answered.get() + " answers " + new TreeMap<>(statuses) + ", " + failedRequests.get()
                    + " requests to a closing instance";
        }
    }

    private HttpResponse<String> get(FeaturesApp app, String user) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + app.httpPort() + "/v1/users/" + user + "/features"))
                        .timeout(Duration.ofSeconds(10))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String host(FeaturesApp app) {
        return "127.0.0.1:" + app.httpPort();
    }

    private static boolean running(FeaturesApp app) {
        return app.streams().state() == KafkaStreams.State.RUNNING;
    }

    private static Set<TaskId> active(FeaturesApp app) {
        return tasks(app, ThreadMetadata::activeTasks);
    }

    private static Set<TaskId> standby(FeaturesApp app) {
        return tasks(app, ThreadMetadata::standbyTasks);
    }

    private static Set<TaskId> tasks(
            FeaturesApp app, java.util.function.Function<ThreadMetadata, Set<TaskMetadata>> which) {
        return app.streams().metadataForLocalThreads().stream()
                .flatMap(t -> which.apply(t).stream())
                .map(TaskMetadata::taskId)
                .collect(Collectors.toSet());
    }

    /** The active hosts of the users' keys, as {@code app}'s metadata names them. */
    private static Set<String> owners(FeaturesApp app, Collection<String> users) {
        return users.stream()
                .map(u -> app.streams()
                        .queryMetadataForKey(
                                dev.tandem.features.FeatureNames.USER_SEQUENCES_STORE,
                                u,
                                org.apache.kafka.common.serialization.Serdes.String()
                                        .serializer())
                        .activeHost())
                .map(h -> h.host() + ":" + h.port())
                .collect(Collectors.toSet());
    }

    private static void send(
            KafkaProducer<byte[], byte[]> producer,
            FeatureSerdes serdes,
            List<UserEvent> input,
            int index,
            int portion) {
        for (UserEvent e : input.subList(index * portion, Math.min(input.size(), (index + 1) * portion))) {
            producer.send(new ProducerRecord<>(
                    EVENTS_TOPIC,
                    e.getUserId().getBytes(StandardCharsets.UTF_8),
                    serdes.userEvent().serializer().serialize(EVENTS_TOPIC, e)));
        }
        producer.flush();
    }

    /** Until the group's committed offsets on {@code events} reach its end offsets (outputs committed with them). */
    private static void awaitCaughtUp(Admin admin) {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) latest.put(new TopicPartition(EVENTS_TOPIC, p), OffsetSpec.latest());
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(APP_ID)
                            .partitionsToOffsetAndMetadata()
                            .get();
                    return admin.listOffsets(latest).all().get().entrySet().stream()
                            .allMatch(e -> {
                                OffsetAndMetadata c = committed.get(e.getKey());
                                return c != null && c.offset() >= e.getValue().offset();
                            });
                });
    }

    private static List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic) {
        return FeaturesItSupport.readCommitted(CLUSTER, topic, "scale-out-reader");
    }
}
