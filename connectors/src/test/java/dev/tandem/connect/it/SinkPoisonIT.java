package dev.tandem.connect.it;

import static dev.tandem.testkit.CommittedRecords.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.CommittedRecords;
import dev.tandem.testkit.LoopbackPorts;
import dev.tandem.testkit.TandemClusterExtension;
import dev.tandem.testkit.connect.ConnectRest;
import dev.tandem.testkit.connect.ConnectWorker;
import dev.tandem.testkit.poison.PoisonCorpus;
import dev.tandem.testkit.poison.PoisonCorpus.Entry;
import dev.tandem.testkit.poison.PoisonCorpus.Kind;
import dev.tandem.testkit.poison.PoisonLedger;
import dev.tandem.testkit.poison.ValidRecords;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The poison corpus ({@link PoisonCorpus#predictions}) on {@code predictions}, each entry between valid predictions,
 * read by the JDBC sink (SQLite) in a stock Connect worker loading the packaged plugin from {@code plugin.path} with
 * {@code plugin.discovery=service_load}, through {@code TandemAvroConverter}, with Connect's dead-letter queue: every
 * unreadable entry is one record on {@code dead-letters-connect} with its original key and value and Connect's
 * error headers; every valid prediction around them is stored (each user's newest); the legal odd ones (NaN and
 * infinite probabilities, which rank last; a 100,000-char user id) are stored too; an empty value is a tombstone
 * (the converter's documented reading); the connector and its task still run.
 */
@Timeout(120)
class SinkPoisonIT {
    static final String DLQ = "dead-letters-connect";
    static final String CONNECTOR = "poison-jdbc";

    @RegisterExtension
    static final TandemClusterExtension KAFKA = new TandemClusterExtension();

    @TempDir
    Path tmp;

    @Test
    void everyUnreadablePredictionIsADeadLetterAndEveryValidOneIsStored() throws Exception {
        TandemAvroSerializer<Object> ser = KAFKA.avroSerializer();
        Instant t0 = Instant.parse("2026-06-01T00:00:00Z");
        List<Entry> corpus = new PoisonCorpus(ser).predictions(ValidRecords.prediction("r-poison", "u-poison", t0));
        PoisonLedger ledger = new PoisonLedger();
        Map<String, String> newest = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = KAFKA.rawProducer()) {
            int r = 0;
            for (Entry e : corpus) {
                for (int k = 0; k < 2; k++, r++) {
                    String user = "u" + r % 5;
                    producer.send(new ProducerRecord<>(
                            TandemTopics.PREDICTIONS,
                            user.getBytes(StandardCharsets.UTF_8),
                            ser.serialize(
                                    TandemTopics.PREDICTIONS,
                                    ValidRecords.prediction("req-" + r, user, t0.plusSeconds(r)))));
                    newest.put(user, "req-" + r);
                }
                ledger.send(producer, TandemTopics.PREDICTIONS, e);
            }
        }
        // TandemAvroConverter reads empty bytes as a tombstone, as documented (connectors/README.md): the sink deletes
        // the key's row instead of refusing the record
        List<Entry> refused = ledger.refused().stream()
                .filter(e -> e.kind() != Kind.EMPTY_VALUE)
                .toList();
        assertThat(refused).isNotEmpty();

        Path db = tmp.resolve("serving.db");
        int restPort = LoopbackPorts.freePort();
        Map<String, String> worker = new HashMap<>();
        worker.put("bootstrap.servers", KAFKA.bootstrapServers());
        worker.put("group.id", "poison-connect");
        worker.put("config.storage.topic", "poison-connect-configs");
        worker.put("offset.storage.topic", "poison-connect-offsets");
        worker.put("status.storage.topic", "poison-connect-status");
        worker.put("config.storage.replication.factor", "1");
        worker.put("offset.storage.replication.factor", "1");
        worker.put("status.storage.replication.factor", "1");
        worker.put("offset.storage.partitions", "1");
        worker.put("status.storage.partitions", "1");
        worker.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        worker.put("value.converter", "dev.tandem.connect.avro.TandemAvroConverter");
        worker.put("value.converter.schema.registry.url", KAFKA.registryUrl());
        worker.put("listeners", "http://127.0.0.1:" + restPort);
        worker.put("rest.advertised.host.name", "127.0.0.1");
        worker.put("plugin.path", System.getProperty("tandem.plugin.dir"));
        worker.put("plugin.discovery", "service_load");
        worker.put("consumer.isolation.level", "read_committed");
        worker.put("offset.flush.interval.ms", "500");
        worker.put("scheduled.rebalance.max.delay.ms", "0");

        Map<String, String> connector = new HashMap<>();
        connector.put("connector.class", "dev.tandem.connect.jdbc.JdbcSinkConnector");
        connector.put("tasks.max", "1");
        connector.put("topics", TandemTopics.PREDICTIONS);
        connector.put("connection.url", "jdbc:sqlite:" + db);
        connector.put("errors.tolerance", "all");
        connector.put("errors.deadletterqueue.topic.name", DLQ);
        connector.put("errors.deadletterqueue.topic.replication.factor", "1");
        connector.put("errors.deadletterqueue.context.headers.enable", "true");
        connector.put("consumer.override.auto.offset.reset", "earliest");

        try (ConnectWorker w = ConnectWorker.start(worker);
                CommittedRecords dead = KAFKA.committed("poison-connect-dlq", DLQ)) {
            ConnectRest rest = new ConnectRest(w.restUrl(), Duration.ofSeconds(10));
            rest.awaitHealthy(Duration.ofSeconds(60), () -> w.failure().orElse(null));
            assertThat(rest.put("connectors/" + CONNECTOR + "/config", connector)
                            .status())
                    .isBetween(200, 201);

            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .ignoreExceptionsInstanceOf(SQLException.class)
                    .until(() -> newest.equals(stored(db, newest)));
            dead.awaitCount(refused.size(), Duration.ofSeconds(30));
            dead.drainUntilQuiet(Duration.ofSeconds(1), Duration.ofSeconds(10));

            Map<Entry, List<ConsumerRecord<byte[], byte[]>>> matched = ledger.match(
                    dead.records(), "__connect.errors.topic", "__connect.errors.partition", "__connect.errors.offset");
            assertThat(matched).as("dead letters of records not in the corpus").doesNotContainKey(null);
            for (Entry e : corpus) {
                List<ConsumerRecord<byte[], byte[]>> letters = matched.getOrDefault(e, List.of());
                if (!refused.contains(e)) {
                    assertThat(letters).as("%s is stored, not dead-lettered", e).isEmpty();
                    continue;
                }
                assertThat(letters).as("one dead letter for %s", e).hasSize(1);
                ConsumerRecord<byte[], byte[]> d = letters.get(0);
                assertThat(d.key()).as("key of %s", e).isEqualTo(e.key());
                assertThat(d.value()).as("value of %s", e).isEqualTo(e.value());
                assertThat(header(d, "__connect.errors.exception.class.name"))
                        .as("reason for %s", e)
                        .isEqualTo("org.apache.kafka.connect.errors.DataException");
                assertThat(header(d, "__connect.errors.exception.message")).isNotBlank();
            }
            assertThat(users(db))
                    .as("the legal odd predictions are stored too")
                    .contains("u-poison", "u-poison" + "x".repeat(PoisonCorpus.HUGE_STRING_CHARS));
            ConnectRest.Response status = rest.get("connectors/" + CONNECTOR + "/status");
            assertThat(status.json().path("connector").path("state").asText()).isEqualTo("RUNNING");
            assertThat(status.json().path("tasks").get(0).path("state").asText())
                    .isEqualTo("RUNNING");
            assertThat(w.failure()).isEmpty();
        }
    }

    /** The stored request id of each of {@code users}. */
    private static Map<String, String> stored(Path db, Map<String, String> users) throws SQLException {
        Map<String, String> out = new HashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                ResultSet rs = c.createStatement().executeQuery("SELECT user_id, request_id FROM predictions_latest")) {
            while (rs.next()) {
                if (users.containsKey(rs.getString(1))) out.put(rs.getString(1), rs.getString(2));
            }
        }
        return out;
    }

    private static List<String> users(Path db) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                ResultSet rs = c.createStatement().executeQuery("SELECT user_id FROM predictions_latest")) {
            List<String> out = new java.util.ArrayList<>();
            while (rs.next()) out.add(rs.getString(1));
            return out;
        }
    }
}
