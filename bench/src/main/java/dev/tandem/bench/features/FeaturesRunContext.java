package dev.tandem.bench.features;

import dev.tandem.bench.BenchEnvironment;
import dev.tandem.bench.CommittedTopic;
import dev.tandem.bench.OutputLedger;
import dev.tandem.features.FeaturesConfig;
import dev.tandem.testkit.FileTrees;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * What the runs of one {@code tandem bench features} share: the environment, the output, the app settings every
 * run gets ({@code --set}) and the state dirs of the apps it started (deleted on close), and Kafka clients.
 */
final class FeaturesRunContext implements AutoCloseable {
    final BenchEnvironment env;
    private final PrintWriter out;
    private final Map<String, String> settings;
    private final List<Path> stateDirs = new ArrayList<>();

    FeaturesRunContext(BenchEnvironment env, PrintWriter out, Map<String, String> settings) {
        this.env = env;
        this.out = out;
        this.settings = settings;
    }

    void say(String format, Object... args) {
        out.println(String.format(Locale.ROOT, format, args));
        out.flush();
    }

    FeaturesConfig config(String appId, long commitMs, List<String> topics) throws Exception {
        return config(appId, commitMs, topics, Map.of());
    }

    FeaturesConfig config(String appId, long commitMs, List<String> topics, Map<String, String> extra)
            throws Exception {
        Path state = newStateDir();
        Map<String, String> v = new HashMap<>();
        v.put(FeaturesConfig.APPLICATION_ID, appId);
        v.put(FeaturesConfig.BOOTSTRAP_SERVERS, env.endpoints().bootstrapServers());
        v.put(FeaturesConfig.SCHEMA_REGISTRY_URL, env.endpoints().registryUrl());
        v.put(FeaturesConfig.STATE_DIR, state.toString());
        v.put(FeaturesConfig.HTTP_PORT, "0");
        v.put(FeaturesConfig.COMMIT_INTERVAL_MS, Long.toString(commitMs));
        v.put(FeaturesConfig.TOPIC_EVENTS, topics.get(0));
        v.put(FeaturesConfig.TOPIC_USER_FEATURES, topics.get(1));
        v.put(FeaturesConfig.TOPIC_ITEMS, topics.get(2));
        v.put(FeaturesConfig.TOPIC_DEAD_LETTERS, topics.get(3));
        v.putAll(settings);
        v.putAll(extra);
        return FeaturesConfig.fromMap(v);
    }

    /** An empty state dir, deleted when this context closes. */
    Path newStateDir() throws java.io.IOException {
        Path state = Files.createTempDirectory("tandem-bench-features-state-");
        stateDirs.add(state);
        return state;
    }

    Admin admin() {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                env.endpoints().bootstrapServers(),
                AdminClientConfig.CLIENT_ID_CONFIG,
                "tandem-bench-features"));
    }

    KafkaConsumer<byte[], byte[]> consumer(String clientId) {
        return CommittedTopic.consumer(env.endpoints().bootstrapServers(), clientId);
    }

    static List<TopicPartition> partitionsOf(KafkaConsumer<?, ?> c, String topic) {
        return c.partitionsFor(topic).stream()
                .map(pi -> new TopicPartition(topic, pi.partition()))
                .toList();
    }

    List<TopicPartition> partitions(String topic) {
        List<TopicPartition> l = new ArrayList<>();
        for (int i = 0; i < env.partitions(); i++) l.add(new TopicPartition(topic, i));
        return l;
    }

    /**
     * Every output record of {@code topic} a read_committed consumer sees, read from the beginning to the topic's end once
     * the writer is gone (its transactions settled), each entered in a ledger under {@code identity}; records that do
     * not parse fail the run. Tombstones (a user expired) answer no event and are skipped.
     */
    OutputLedger readOutputs(String topic, OutputIdentity identity) throws Exception {
        try (Admin admin = admin();
                KafkaConsumer<byte[], byte[]> c = consumer("tandem-bench-count")) {
            CommittedTopic.End end = CommittedTopic.settledEnd(admin, partitionsOf(c, topic), Duration.ofSeconds(60));
            if (!end.settled())
                say("    (%s: a transaction still open after 60 s; read to its last stable offset)", topic);
            return identity.readTo(c, end.offsets());
        }
    }

    @Override
    public void close() {
        for (Path d : stateDirs) FileTrees.deleteQuietly(d);
    }
}
