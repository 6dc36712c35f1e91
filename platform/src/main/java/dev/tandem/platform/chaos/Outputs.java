package dev.tandem.platform.chaos;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * How far each process's output has come, watched while the run goes on: committed records per output topic (read
 * read_committed, so an exactly-once writer's output counts once its transaction commits) and the serving store's
 * newest write. "Flowing again" after a kill is one of these moving past where it stood when the process restarted.
 */
final class Outputs implements AutoCloseable {
    private final String bootstrapServers;
    private final Map<String, String> clientProperties;
    private final List<String> topics;
    private final String storeUrl;
    private final String storeTable;
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private volatile boolean stopping;
    private Thread thread;

    Outputs(
            String bootstrapServers,
            Map<String, String> clientProperties,
            List<String> topics,
            String storeUrl,
            String storeTable) {
        this.bootstrapServers = bootstrapServers;
        this.clientProperties = Map.copyOf(clientProperties);
        this.topics = List.copyOf(topics);
        this.storeUrl = storeUrl;
        this.storeTable = storeTable;
        for (String t : topics) counts.put(t, new AtomicLong());
    }

    void start() {
        thread = new Thread(this::run, "tandem-chaos-outputs");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrapServers, clientProperties, "tandem-chaos-outputs")) {
            List<TopicPartition> tps = new ArrayList<>();
            for (String t : topics)
                for (PartitionInfo p : c.partitionsFor(t)) tps.add(new TopicPartition(t, p.partition()));
            c.assign(tps);
            c.seekToBeginning(tps);
            while (!stopping) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100)))
                    counts.get(r.topic()).incrementAndGet();
            }
        } catch (org.apache.kafka.common.errors.InterruptException e) {
            // closing
        }
    }

    long committed(String topic) {
        return counts.get(topic).get();
    }

    /** The newest {@code written_at} in the serving store, or -1 before its table exists. */
    long storeWatermark() {
        try (Connection c = DriverManager.getConnection(storeUrl);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(written_at), -1) FROM " + storeTable)) {
            return rs.next() ? rs.getLong(1) : -1;
        } catch (SQLException e) {
            return -1; // no table yet, or the sink holds the write lock: ask again
        }
    }

    static KafkaConsumer<byte[], byte[]> consumer(
            String bootstrapServers, Map<String, String> clientProperties, String clientId) {
        Map<String, Object> c = new java.util.HashMap<>(clientProperties);
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2_000);
        return new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        if (thread != null) thread.join(10_000);
    }
}
