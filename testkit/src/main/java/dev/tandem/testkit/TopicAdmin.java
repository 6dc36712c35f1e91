package dev.tandem.testkit;

import dev.tandem.schemas.topics.TopicSpec;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the topics the platform needs on a single-broker cluster, idempotently: a topic that
 * exists is left as it is (a warning says if its partition count differs from the spec, since
 * Kafka cannot shrink it and growing it would remap keys).
 */
public final class TopicAdmin {
    private static final Logger LOG = LoggerFactory.getLogger(TopicAdmin.class);
    /** Single broker: every topic has exactly one replica. */
    public static final short REPLICATION = 1;

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private TopicAdmin() {}

    /** Creates what is missing and waits until every topic has a leader for each partition. */
    public static void ensureTopics(String bootstrapServers, Collection<TopicSpec> specs) {
        try (Admin admin =
                Admin.create(Map.of("bootstrap.servers", bootstrapServers, "client.id", "tandem-testkit-topics"))) {
            ensureTopics(admin, specs);
        }
    }

    public static void ensureTopics(Admin admin, Collection<TopicSpec> specs) {
        ensureTopics(admin, specs, DEFAULT_TIMEOUT);
    }

    public static void ensureTopics(Admin admin, Collection<TopicSpec> specs, Duration timeout) {
        Map<String, TopicSpec> byName = new LinkedHashMap<>();
        for (TopicSpec spec : specs) {
            TopicSpec previous = byName.putIfAbsent(spec.name(), spec);
            if (previous != null && !previous.equals(spec)) {
                throw new IllegalArgumentException(
                        "conflicting specs for topic " + spec.name() + ": " + previous + " vs " + spec);
            }
        }
        if (byName.isEmpty()) return;
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            Set<String> existing = admin.listTopics().names().get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
            List<NewTopic> missing = byName.values().stream()
                    .filter(s -> !existing.contains(s.name()))
                    .map(s -> new NewTopic(s.name(), s.partitions(), REPLICATION).configs(s.configs()))
                    .toList();
            if (!missing.isEmpty()) {
                CreateTopicsResult created = admin.createTopics(missing);
                for (Map.Entry<String, KafkaFuture<Void>> e : created.values().entrySet()) {
                    try {
                        e.getValue().get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
                    } catch (ExecutionException ex) {
                        // Someone else (another test, a restarted dev cluster) created it first: fine.
                        if (!(ex.getCause() instanceof TopicExistsException)) throw ex;
                    }
                }
                LOG.info(
                        "created topics {}",
                        missing.stream().map(NewTopic::name).toList());
            }
            awaitUsable(admin, byName, deadline);
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "cannot create topics " + byName.keySet() + ": "
                            + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "topics " + byName.keySet() + " not ready within " + timeout.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics " + byName.keySet(), e);
        }
    }

    /**
     * createTopics returns once the controller has committed the topic; the broker that clients
     * talk to may not have its leaders in the metadata cache yet. Wait until it does, so that the
     * first produce does not race an UNKNOWN_TOPIC_OR_PARTITION.
     */
    private static void awaitUsable(Admin admin, Map<String, TopicSpec> specs, long deadline)
            throws InterruptedException, TimeoutException, ExecutionException {
        while (true) {
            Map<String, TopicDescription> found;
            try {
                found = admin.describeTopics(specs.keySet())
                        .allTopicNames()
                        .get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) throw e;
                found = Map.of();
            }
            Map<String, TopicDescription> described = found;
            Set<String> notReady = specs.keySet().stream()
                    .filter(name -> !hasLeaders(described.get(name)))
                    .collect(Collectors.toCollection(java.util.TreeSet::new));
            if (notReady.isEmpty()) {
                warnOnPartitionMismatch(specs, described);
                awaitLeadersServing(admin, described, deadline);
                return;
            }
            if (System.nanoTime() - deadline >= 0) throw new TimeoutException("topics without leaders: " + notReady);
            Thread.sleep(50);
        }
    }

    /**
     * A leader in the metadata cache is not yet a leader that serves: in KRaft the broker publishes
     * metadata before its replica manager has made itself leader, and a produce in between gets
     * NOT_LEADER_OR_FOLLOWER (and an idempotent producer can then trip over its own sequence
     * numbers). ListOffsets is answered by the leader replica itself, and the admin client retries
     * it until that replica serves, so once it answers for every partition, the first produce lands.
     */
    private static void awaitLeadersServing(Admin admin, Map<String, TopicDescription> described, long deadline)
            throws InterruptedException, TimeoutException, ExecutionException {
        Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
        described
                .values()
                .forEach(d -> d.partitions()
                        .forEach(
                                p -> partitions.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
        admin.listOffsets(partitions).all().get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
    }

    private static boolean hasLeaders(TopicDescription d) {
        return d != null
                && !d.partitions().isEmpty()
                && d.partitions().stream()
                        .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
    }

    private static void warnOnPartitionMismatch(Map<String, TopicSpec> specs, Map<String, TopicDescription> described) {
        specs.values().forEach(spec -> {
            int actual = described.get(spec.name()).partitions().size();
            if (actual != spec.partitions()) {
                LOG.warn(
                        "topic {} exists with {} partitions, the spec asks for {}; leaving it as it is",
                        spec.name(),
                        actual,
                        spec.partitions());
            }
        });
    }

    private static long remainingMillis(long deadlineNanos) {
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
    }
}
