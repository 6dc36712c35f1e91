package dev.tandem.bench;

import dev.tandem.schemas.kafka.KafkaEndpoints;
import dev.tandem.schemas.topics.TopicSpec;
import dev.tandem.testkit.DevCluster;
import dev.tandem.testkit.FileTrees;
import dev.tandem.testkit.Reachability;
import dev.tandem.testkit.TopicAdmin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Kafka a bench runs against: a fresh cluster of its own (broker as a child JVM, like the
 * dev cluster, or in this JVM), or an existing one given by {@code --bootstrap}. Every
 * measurement gets a fresh topic, so earlier data never changes what is measured.
 */
public final class BenchEnvironment implements AutoCloseable {
    private final KafkaEndpoints endpoints;
    private final DevCluster cluster;
    private final Path dir;
    private final int partitions;
    private final String runId = Long.toString(System.currentTimeMillis(), 36);
    private final AtomicInteger topics = new AtomicInteger();

    private BenchEnvironment(KafkaEndpoints endpoints, DevCluster cluster, Path dir, int partitions) {
        this.endpoints = endpoints;
        this.cluster = cluster;
        this.dir = dir;
        this.partitions = partitions;
    }

    /** A cluster of our own on free ports in a temp dir. */
    public static BenchEnvironment ownCluster(boolean childProcess, int partitions) throws IOException {
        Path dir = Files.createTempDirectory("tandem-bench-");
        try {
            DevCluster c = DevCluster.start(new DevCluster.Config(dir, 0, 0, partitions, childProcess));
            return new BenchEnvironment(new KafkaEndpoints(c.bootstrapServers(), c.registryUrl()), c, dir, partitions);
        } catch (RuntimeException e) {
            FileTrees.delete(dir);
            throw e;
        }
    }

    /** An existing cluster; without a registry URL, an in-JVM mock registry (ids don't matter to a bench). */
    public static BenchEnvironment existing(String bootstrap, String registryUrl, int partitions) {
        String registry = registryUrl != null ? registryUrl : "mock://tandem-bench";
        KafkaEndpoints e = new KafkaEndpoints(bootstrap, registry);
        Reachability.require(e, Duration.ofSeconds(5));
        return new BenchEnvironment(e, null, null, partitions);
    }

    public KafkaEndpoints endpoints() {
        return endpoints;
    }

    /**
     * Creates a new topic for one measurement and returns its name once every partition has
     * accepted a write. A topic with leaders in the metadata can still answer the first produce
     * with NOT_LEADER_OR_FOLLOWER; an idempotent producer that meets that under full load can
     * end up retrying OUT_OF_ORDER_SEQUENCE_NUMBER until its delivery timeout (seen with the
     * in-process broker), which would measure the broker's start-up instead of the producer.
     */
    public String freshTopic(String purpose) {
        String name = "bench-" + purpose + "-" + runId + "-" + topics.incrementAndGet();
        TopicAdmin.ensureTopics(endpoints.bootstrapServers(), List.of(new TopicSpec(name, partitions, Map.of())));
        prime(name);
        return name;
    }

    /**
     * New empty topics for one measurement, not primed: for topics only Kafka Streams writes (its transactional
     * producer retries a first NOT_LEADER_OR_FOLLOWER), where a priming record would be counted as output.
     */
    public List<String> freshTopicsUnprimed(String... purposes) {
        List<String> names = new ArrayList<>();
        List<TopicSpec> specs = new ArrayList<>();
        for (String purpose : purposes) {
            String name = "bench-" + purpose + "-" + runId + "-" + topics.incrementAndGet();
            names.add(name);
            specs.add(new TopicSpec(name, partitions, Map.of()));
        }
        TopicAdmin.ensureTopics(endpoints.bootstrapServers(), specs);
        return names;
    }

    public int partitions() {
        return partitions;
    }

    /** A unique name for this run (application ids, consumer groups). */
    public String uniqueName(String purpose) {
        return "bench-" + purpose + "-" + runId + "-" + topics.incrementAndGet();
    }

    private void prime(String topic) {
        Map<String, Object> props = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                endpoints.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                false,
                ProducerConfig.CLIENT_ID_CONFIG,
                "tandem-bench-prime");
        try (KafkaProducer<byte[], byte[]> p =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            for (int partition = 0; partition < partitions; partition++) {
                acks.add(p.send(new ProducerRecord<>(topic, partition, null, new byte[0])));
            }
            for (Future<RecordMetadata> f : acks) f.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("fresh topic " + topic + " does not accept writes: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while preparing topic " + topic, e);
        }
    }

    public String describe() {
        return cluster == null
                ? "existing cluster at " + endpoints.bootstrapServers()
                : (cluster.config().childProcess() ? "fresh broker (child JVM)" : "fresh broker (in-process)") + " at "
                        + endpoints.bootstrapServers();
    }

    @Override
    public void close() throws IOException {
        if (cluster != null) {
            try {
                cluster.close();
            } finally {
                FileTrees.delete(dir);
            }
        }
    }
}
