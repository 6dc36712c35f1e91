package dev.tandem.testkit;

import dev.tandem.schemas.registry.RegistryClientConfig;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.registry.server.SchemaRegistryServer;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.schemas.topics.TopicSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One in-process Kafka broker (plus, by default, the schema registry on {@code _schemas} and
 * every platform topic) per test class:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final TandemClusterExtension CLUSTER = new TandemClusterExtension().withPartitions(2);
 *
 * @Test void roundTrip() {
 *     try (var producer = new KafkaProducer<String, String>(CLUSTER.producerProps())) { ... }
 * }
 * }</pre>
 *
 * The field must be static: the cluster starts in {@code beforeAll} and stops in {@code afterAll}.
 * {@code @Nested} classes share their outer class's cluster.
 */
public final class TandemClusterExtension implements BeforeAllCallback, AfterAllCallback {
    private int partitions = TandemTopics.DEFAULT_PARTITIONS;
    private boolean registryEnabled = true;
    private boolean platformTopics = true;
    private final List<TopicSpec> extraTopics = new ArrayList<>();
    private final Map<String, String> brokerProperties = new LinkedHashMap<>();
    /** Null for a PLAINTEXT cluster. */
    private List<KafkaAcls.Grant> grants;

    private KafkaSecurity security;
    private java.nio.file.Path securityDir;

    private EmbeddedKafkaBroker broker;
    private SchemaRegistryServer registry;
    private SchemaRegistryClient registryClient;
    private String ownerId;

    /** Partitions of each multi-partition platform topic (default 4). */
    public TandemClusterExtension withPartitions(int n) {
        if (n < 1) throw new IllegalArgumentException("partitions must be >= 1: " + n);
        this.partitions = n;
        return this;
    }

    /** No schema registry (and no {@code _schemas} topic): a broker starts faster alone. */
    public TandemClusterExtension withoutRegistry() {
        this.registryEnabled = false;
        return this;
    }

    /** Don't create {@link TandemTopics#all}: the test creates its own topics. */
    public TandemClusterExtension withoutPlatformTopics() {
        this.platformTopics = false;
        return this;
    }

    /** More topics to create before the first test. */
    public TandemClusterExtension withTopics(TopicSpec... specs) {
        extraTopics.addAll(List.of(specs));
        return this;
    }

    /** A broker setting, e.g. {@code transaction.max.timeout.ms}. */
    public TandemClusterExtension withBrokerProperty(String key, String value) {
        brokerProperties.put(key, value);
        return this;
    }

    /**
     * A secured cluster (see {@link KafkaSecurity}): TLS + SCRAM on every connection, ACLs enforced, one principal per
     * grant (plus {@value #REGISTRY_PRINCIPAL} for the registry). The test's own clients ({@link #producerProps()},
     * {@link #consumerProps}) act as the broker's super user; {@link #clientProperties(String)} gives a component's.
     */
    public TandemClusterExtension secured(List<KafkaAcls.Grant> grants) {
        this.grants = List.copyOf(grants);
        return this;
    }

    public static final String REGISTRY_PRINCIPAL = "registry";

    /** The security material of a {@link #secured} cluster; fails on a PLAINTEXT one. */
    public KafkaSecurity security() {
        broker();
        if (security == null) throw new IllegalStateException("this cluster is not secured (secured(...))");
        return security;
    }

    /** A principal's Kafka client settings on a secured cluster; nothing on a PLAINTEXT one. */
    public Map<String, String> clientProperties(String principal) {
        return security == null ? Map.of() : security.clientProperties(principal);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (broker != null) return; // a @Nested class: the outer class's cluster is running
        ownerId = context.getUniqueId();
        EmbeddedKafkaBroker.Builder builder = EmbeddedKafkaBroker.builder();
        brokerProperties.forEach(builder::brokerProperty);
        if (grants != null) {
            try {
                securityDir = java.nio.file.Files.createTempDirectory("tandem-security-");
                List<String> principals = new ArrayList<>();
                for (KafkaAcls.Grant g : grants) principals.add(g.principal());
                principals.add(REGISTRY_PRINCIPAL);
                security = KafkaSecurity.inDirectory(securityDir, principals);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot generate the cluster's security material", e);
            }
            builder.security(security);
        }
        broker = builder.start();
        try {
            List<TopicSpec> topics = new ArrayList<>(extraTopics);
            if (platformTopics) topics.addAll(TandemTopics.all(partitions));
            try (Admin admin = Admin.create(adminProps())) {
                TopicAdmin.ensureTopics(admin, topics);
            }
            if (security != null) {
                List<KafkaAcls.Grant> all = new ArrayList<>(grants);
                all.add(KafkaAcls.registry(REGISTRY_PRINCIPAL));
                KafkaAcls.apply(bootstrapServers(), security.clientProperties(KafkaSecurity.BROKER), all);
            }
            if (registryEnabled)
                registry = SchemaRegistryLauncher.start(
                        broker.bootstrapServers(), clientProperties(REGISTRY_PRINCIPAL), 0);
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (context.getUniqueId().equals(ownerId)) stop();
    }

    private synchronized void stop() {
        try {
            if (registryClient != null) registryClient.close();
            if (registry != null) registry.close();
        } finally {
            registry = null;
            registryClient = null;
            if (broker != null) broker.close();
            broker = null;
            ownerId = null;
            if (securityDir != null) FileTrees.deleteQuietly(securityDir);
            security = null;
            securityDir = null;
        }
    }

    public EmbeddedKafkaBroker broker() {
        if (broker == null)
            throw new IllegalStateException("cluster not started: register the extension on a static field");
        return broker;
    }

    public String bootstrapServers() {
        return broker().bootstrapServers();
    }

    /** {@code http://127.0.0.1:PORT}; fails if the extension was built {@link #withoutRegistry()}. */
    public String registryUrl() {
        if (registry == null) {
            broker();
            throw new IllegalStateException("this cluster has no schema registry (withoutRegistry())");
        }
        return registry.url();
    }

    public boolean hasRegistry() {
        return registry != null;
    }

    /**
     * Idempotent, acks=all producer with String serializers (replace them for Avro), plus
     * {@code schema.registry.url} when there is a registry.
     */
    public Properties producerProps() {
        Properties p = new Properties();
        p.putAll(clientProperties(KafkaSecurity.BROKER));
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        if (registry != null) p.put(RegistryClientConfig.URL, registry.url());
        return p;
    }

    /**
     * Consumer in {@code groupId} that sees only committed transactional data and starts from the
     * beginning of each topic (tests produce first, then consume), with String deserializers.
     */
    public Properties consumerProps(String groupId) {
        Properties p = new Properties();
        p.putAll(clientProperties(KafkaSecurity.BROKER));
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        if (registry != null) p.put(RegistryClientConfig.URL, registry.url());
        return p;
    }

    /** A client of this cluster's registry, shared by the serdes this extension makes; fails {@link #withoutRegistry()}. */
    public synchronized SchemaRegistryClient registryClient() {
        String url = registryUrl();
        if (registryClient == null) registryClient = SchemaRegistryClients.forUrl(url, Map.of());
        return registryClient;
    }

    /** Value serializer in the Confluent wire format, registering schemas with this cluster's registry. */
    public <T> TandemAvroSerializer<T> avroSerializer() {
        return new TandemAvroSerializer<>(registryClient(), false);
    }

    /** Value deserializer into the generated class {@code type}, with this cluster's registry. */
    public <T extends SpecificRecord> TandemAvroDeserializer<T> avroDeserializer(Class<T> type) {
        return new TandemAvroDeserializer<>(type, registryClient(), false);
    }

    /** A {@link #producerProps()} producer of String keys and Avro values (any generated record). */
    public KafkaProducer<String, Object> avroProducer() {
        return new KafkaProducer<>(producerProps(), new StringSerializer(), avroSerializer());
    }

    /** A {@link #producerProps()} producer of bytes as they are: for records a test builds itself, broken ones included. */
    public KafkaProducer<byte[], byte[]> rawProducer() {
        return new KafkaProducer<>(producerProps(), new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** What is committed to {@code topics}, collected by a new consumer in {@code groupId} (see {@link CommittedRecords}). */
    public CommittedRecords committed(String groupId, String... topics) {
        return new CommittedRecords(consumerProps(groupId), topics);
    }

    /**
     * Commits offset 0 on every partition of {@code topic} for consumer group {@code groupId} (no member may be
     * active): an app under test that starts from its group's committed offsets then reads the topic from the start,
     * records sent before it found the topic's end included.
     */
    public void commitOffsetsAtStart(String groupId, String topic) {
        try (Admin admin = Admin.create(adminProps())) {
            Map<TopicPartition, OffsetAndMetadata> zero = new HashMap<>();
            for (TopicPartitionInfo p : admin.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get(30, TimeUnit.SECONDS)
                    .get(topic)
                    .partitions()) {
                zero.put(new TopicPartition(topic, p.partition()), new OffsetAndMetadata(0));
            }
            admin.alterConsumerGroupOffsets(groupId, zero).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot commit " + groupId + "'s offsets of " + topic + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Creates these topics now (idempotent) and waits until they have leaders. */
    public void createTopics(TopicSpec... specs) {
        try (Admin admin = Admin.create(adminProps())) {
            TopicAdmin.ensureTopics(admin, List.of(specs));
        }
    }

    /** An admin's settings, as the broker's super user on a secured cluster. */
    public Map<String, Object> adminProps() {
        Map<String, Object> m = new HashMap<>(clientProperties(KafkaSecurity.BROKER));
        m.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return m;
    }
}
