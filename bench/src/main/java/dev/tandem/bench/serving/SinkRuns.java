package dev.tandem.bench.serving;

import dev.tandem.bench.BenchEnvironment;
import dev.tandem.bench.scoring.ScoringScenario;
import dev.tandem.connect.avro.TandemAvroConverter;
import dev.tandem.connect.jdbc.Dialect;
import dev.tandem.connect.jdbc.PredictionTables;
import dev.tandem.connect.redis.RedisKeys;
import dev.tandem.connect.serving.Objective;
import dev.tandem.connect.serving.Recommendation;
import dev.tandem.connect.serving.RecommendationJson;
import dev.tandem.connect.sink.PredictionStructs;
import dev.tandem.schemas.CandidateScore;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.PredictionTimings;
import dev.tandem.schemas.kafka.AvroSerdes;
import dev.tandem.schemas.kafka.ProducerSettings;
import dev.tandem.schemas.kafka.SendErrors;
import dev.tandem.schemas.registry.RegistryClientConfig;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The sinks' throughput against the same writes made directly: N predictions of N distinct users (so every record is
 * one store write, none merged by the sinks' per-batch reduction) pre-filled into a topic, drained by the real Redis or
 * JDBC sink connector in a real Connect worker; then the very documents those sinks store, written with Lettuce
 * (pipelined HSETs) or plain JDBC (batched upserts, the sink's own statement) on as many connections as the sink has
 * tasks, in batches as large as a Connect batch. Both sides are timed alike: from the moment 10 % of the records are stored (start-up, consumer group
 * join and JIT excluded) until all are.
 */
final class SinkRuns {
    /** Connect's {@code consumer.max.poll.records} and the JDBC sink's {@code batch.size} defaults: one batch. */
    static final int BATCH = 500;

    static final String OBJECTIVE = "probability:PURCHASE";
    static final int MAX_ITEMS = 100;
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(10);

    /** One stored row: what the sinks derive from a prediction, derived once here by the sinks' own code. */
    record Row(Recommendation recommendation, String json) {
        String userId() {
            return recommendation.userId();
        }
    }

    /** The pre-filled topic and what each of its records becomes in a store. */
    record Payloads(String topic, List<Row> rows) {
        List<String> users() {
            return rows.stream().map(Row::userId).toList();
        }
    }

    private final Consumer<String> say;

    SinkRuns(Consumer<String> say) {
        this.say = say;
    }

    /**
     * {@code n} predictions of {@code candidates} catalog items each, for users {@code su-0 …}, written to a fresh topic
     * in the registry's wire format; each then decoded as the worker does ({@link TandemAvroConverter}) and turned into
     * the stored document by the sinks' code ({@link PredictionStructs}, {@link RecommendationJson}).
     */
    Payloads prefill(BenchEnvironment env, List<ItemMetadata> catalog, int n, int candidates, long seed) {
        long t0 = System.nanoTime();
        String registry = env.endpoints().registryUrl();
        String topic = env.freshTopicsUnprimed("serving-sink-predictions").get(0);
        TandemAvroSerializer<Prediction> serializer = AvroSerdes.valueSerializer(registry);
        TandemAvroConverter converter = new TandemAvroConverter();
        converter.configure(Map.of(RegistryClientConfig.URL, registry), false);
        Objective objective = Objective.parse(OBJECTIVE, 0);
        SplittableRandom rnd = new SplittableRandom(seed);
        long now = System.currentTimeMillis();
        List<Row> rows = new ArrayList<>(n);
        SendErrors errors = new SendErrors();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(
                ProducerSettings.throughput(env.endpoints().bootstrapServers(), "tandem-bench-serving-fill"),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                List<CandidateScore> scores = new ArrayList<>(candidates);
                for (int c = 0; c < candidates; c++) {
                    ItemMetadata item = catalog.get(rnd.nextInt(catalog.size()));
                    float cart = (float) rnd.nextDouble(0.01, 0.5);
                    scores.add(CandidateScore.newBuilder()
                            .setItemId(item.getItemId())
                            .setProbabilities(List.of(cart, cart * (float) rnd.nextDouble(0.05, 0.6)))
                            .setPrice(item.getPrice())
                            .build());
                }
                Prediction prediction = Prediction.newBuilder()
                        .setRequestId("sr-" + i)
                        .setUserId("su-" + i)
                        .setModelName("bench-serving")
                        .setModelVersion("v1")
                        .setFeaturesAsOf(Instant.ofEpochMilli(now - 60_000))
                        .setRequestTime(Instant.ofEpochMilli(now))
                        .setStages(ScoringScenario.STAGES)
                        .setCandidates(scores)
                        .setTimings(PredictionTimings.newBuilder()
                                .setReceivedAt(Instant.ofEpochMilli(now))
                                .setScoredAt(Instant.ofEpochMilli(now + 1))
                                .build())
                        .build();
                byte[] value = serializer.serialize(topic, prediction);
                p.send(
                        new ProducerRecord<>(topic, prediction.getUserId().getBytes(StandardCharsets.UTF_8), value),
                        errors);
                Recommendation r = PredictionStructs.toRecommendation(
                        converter.toConnectData(topic, value).value(), objective, MAX_ITEMS);
                rows.add(new Row(r, RecommendationJson.encode(r)));
            }
            p.flush();
            errors.throwIfFailed("predictions");
        }
        double meanJson =
                rows.stream().mapToInt(r -> r.json().length()).average().orElse(0);
        say.accept(String.format(
                java.util.Locale.ROOT,
                "pre-filled %,d predictions × %d candidates of %,d users (stored JSON %.0f bytes on average) in %.1f s",
                n,
                candidates,
                n,
                meanJson,
                (System.nanoTime() - t0) / 1e9));
        return new Payloads(topic, rows);
    }

    /** The Redis sink connector ({@code tasks} tasks) over the pre-filled topic, into keys under {@code keyPrefix}. */
    double redisSink(SinkWorker worker, ServingStores stores, Payloads p, String keyPrefix, String name, int tasks)
            throws Exception {
        Map<String, String> c = connector(worker, p.topic(), tasks);
        c.put("connector.class", "dev.tandem.connect.redis.RedisSinkConnector");
        c.put("redis.uri", stores.redisUri());
        c.put("redis.key.prefix", keyPrefix);
        c.put("objective", OBJECTIVE);
        c.put("max.items", Integer.toString(MAX_ITEMS));
        return sink(worker, name, c, p.rows().size());
    }

    /** The JDBC sink connector over the pre-filled topic, into {@code predictions_latest} of the run's schema. */
    double jdbcSink(SinkWorker worker, ServingStores stores, Payloads p, String name, int tasks) throws Exception {
        Map<String, String> c = connector(worker, p.topic(), tasks);
        c.put("connector.class", "dev.tandem.connect.jdbc.JdbcSinkConnector");
        c.put("connection.url", stores.jdbcUrl());
        if (stores.jdbcUser() != null) c.put("connection.user", stores.jdbcUser());
        if (stores.jdbcPassword() != null) c.put("connection.password", stores.jdbcPassword());
        c.put("table.schema", stores.schema());
        c.put("table.latest", "predictions_latest");
        c.put("batch.size", Integer.toString(BATCH));
        c.put("objective", OBJECTIVE);
        c.put("max.items", Integer.toString(MAX_ITEMS));
        return sink(worker, name, c, p.rows().size());
    }

    private static Map<String, String> connector(SinkWorker worker, String topic, int tasks) {
        Map<String, String> c = new LinkedHashMap<>(worker.rawValues());
        c.put("tasks.max", Integer.toString(tasks));
        c.put("topics", topic);
        return c;
    }

    /** Deploys the connector, times it from 10 % to all of {@code n} records stored (its tasks' counters), removes it. */
    private double sink(SinkWorker worker, String name, Map<String, String> config, int n) throws Exception {
        long[] marks = new long[4]; // nanos and count at 10 %, nanos and count at the end
        Throwable[] error = new Throwable[1];
        Thread sampler = new Thread(
                () -> {
                    try {
                        long tenth = Math.max(1, n / 10);
                        while (true) {
                            long c = SinkWorker.recordsStored(name);
                            long now = System.nanoTime();
                            if (marks[0] == 0 && c >= tenth) {
                                marks[0] = now;
                                marks[1] = c;
                            }
                            if (c >= n) {
                                marks[2] = now;
                                marks[3] = c;
                                return;
                            }
                            // 0.5 ms between looks: well under a percent of any run this bench times
                            LockSupport.parkNanos(500_000);
                            if (Thread.interrupted()) return;
                        }
                    } catch (Exception e) {
                        error[0] = e;
                    }
                },
                "tandem-bench-sink-sampler");
        sampler.setDaemon(true);
        sampler.start();
        try {
            worker.deploy(name, config, say);
            long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
            while (sampler.isAlive()) {
                sampler.join(200);
                String failed = worker.failure(name);
                if (failed != null) throw new IllegalStateException(failed);
                if (System.nanoTime() > deadline)
                    throw new IllegalStateException(name + ": " + SinkWorker.recordsStored(name) + " of " + n
                            + " records stored within " + RUN_TIMEOUT.toMinutes() + " min");
            }
            if (error[0] != null) throw new IllegalStateException("reading the sink's counters failed", error[0]);
        } finally {
            sampler.interrupt();
            worker.delete(name);
        }
        // more than n only if a batch was handed over twice (each store write is then a no-op, still work done)
        if (marks[3] < n)
            throw new IllegalStateException(name + ": " + marks[3] + " records stored for " + n + " predictions");
        return rate(marks[3] - marks[1], marks[2] - marks[0]);
    }

    /**
     * The sink's documents as pipelined HSETs of the same three fields, {@value #BATCH} per flush, on {@code connections}
     * connections (one thread each, the rows split between them) as the sink has tasks.
     */
    double rawRedis(ServingStores stores, Payloads p, String keyPrefix, int connections) throws Exception {
        RedisKeys keys = new RedisKeys(keyPrefix);
        List<String> hashKeys = new ArrayList<>(p.rows().size());
        List<Map<String, String>> fields = new ArrayList<>(p.rows().size());
        for (Row r : p.rows()) {
            hashKeys.add(keys.recommendation(r.userId()));
            Map<String, String> f = new LinkedHashMap<>();
            f.put(RedisKeys.FIELD_REQUEST_TIME, Long.toString(r.recommendation().requestTime()));
            f.put(RedisKeys.FIELD_REQUEST_ID, r.recommendation().requestId());
            f.put(RedisKeys.FIELD_JSON, r.json());
            fields.add(f);
        }
        return parallel(hashKeys.size(), connections, (from, to, progress) -> {
            try (StatefulRedisConnection<String, String> c = stores.redis().connect()) {
                c.setAutoFlushCommands(false);
                RedisAsyncCommands<String, String> a = c.async();
                List<RedisFuture<Long>> replies = new ArrayList<>(BATCH);
                for (int i = from; i < to; i += BATCH) {
                    replies.clear();
                    for (int j = i; j < Math.min(to, i + BATCH); j++)
                        replies.add(a.hset(hashKeys.get(j), fields.get(j)));
                    c.flushCommands();
                    if (!LettuceFutures.awaitAll(30, TimeUnit.SECONDS, replies.toArray(new RedisFuture[0])))
                        throw new IllegalStateException("Redis did not acknowledge a batch within 30 s");
                    progress.addAndGet(Math.min(to, i + BATCH) - i);
                }
            }
        });
    }

    /**
     * The same rows as the JDBC sink's upsert statement, batched {@value #BATCH} to a transaction, on {@code
     * connections} connections (one thread each, the rows split between them) as the sink has tasks.
     */
    double rawJdbc(ServingStores stores, Payloads p, String table, int connections) throws Exception {
        PredictionTables tables = new PredictionTables(Dialect.POSTGRESQL, stores.schema(), table, null);
        try (Connection c = stores.jdbc();
                Statement st = c.createStatement()) {
            for (String ddl : tables.createStatements()) st.execute(ddl);
        }
        return parallel(p.rows().size(), connections, (from, to, progress) -> {
            try (Connection c = stores.jdbc()) {
                c.setAutoCommit(false);
                try (PreparedStatement ps = c.prepareStatement(tables.upsertLatest())) {
                    for (int i = from; i < to; i += BATCH) {
                        long writtenAt = System.currentTimeMillis();
                        for (int j = i; j < Math.min(to, i + BATCH); j++) {
                            Row r = p.rows().get(j);
                            PredictionTables.bind(ps, r.recommendation(), r.json(), writtenAt);
                            ps.addBatch();
                        }
                        ps.executeBatch();
                        c.commit();
                        progress.addAndGet(Math.min(to, i + BATCH) - i);
                    }
                }
            }
        });
    }

    /** One writer's share: rows {@code [from, to)}, adding what the store acknowledged to {@code progress}. */
    private interface Share {
        void write(int from, int to, AtomicLong progress) throws Exception;
    }

    /**
     * {@code n} rows split between {@code writers} threads, timed like the sinks: from the moment 10 % of the rows are
     * acknowledged until all are.
     */
    private static double parallel(int n, int writers, Share share) throws Exception {
        AtomicLong progress = new AtomicLong();
        long[] start = new long[2]; // nanos and count when 10 % were done
        Thread[] threads = new Thread[writers];
        Exception[] failure = new Exception[1];
        for (int w = 0; w < writers; w++) {
            int from = (int) ((long) n * w / writers), to = (int) ((long) n * (w + 1) / writers);
            threads[w] = new Thread(
                    () -> {
                        try {
                            share.write(from, to, progress);
                        } catch (Exception e) {
                            synchronized (failure) {
                                if (failure[0] == null) failure[0] = e;
                            }
                        }
                    },
                    "tandem-bench-raw-" + w);
            threads[w].start();
        }
        long tenth = Math.max(1, n / 10);
        while (start[0] == 0 && Arrays.stream(threads).anyMatch(Thread::isAlive)) {
            long done = progress.get();
            if (done >= tenth) {
                start[0] = System.nanoTime();
                start[1] = done;
            } else {
                LockSupport.parkNanos(100_000);
            }
        }
        for (Thread t : threads) t.join();
        if (failure[0] != null) throw failure[0];
        if (start[0] == 0) throw new IllegalStateException("the raw writes finished before 10 % could be timed");
        return rate(n - start[1], System.nanoTime() - start[0]);
    }

    /** Rows of {@code table} in the run's schema: what a run stored, counted by the database. */
    static long rows(ServingStores stores, String table) throws Exception {
        try (Connection c = stores.jdbc();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM " + stores.schema() + "." + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Keys under {@code keyPrefix}, counted by SCAN. */
    static long keys(ServingStores stores, String keyPrefix) {
        long n = 0;
        try (StatefulRedisConnection<String, String> c = stores.redis().connect()) {
            io.lettuce.core.ScanCursor cursor = io.lettuce.core.ScanCursor.INITIAL;
            io.lettuce.core.ScanArgs match =
                    io.lettuce.core.ScanArgs.Builder.matches(keyPrefix + "*").limit(1000);
            do {
                io.lettuce.core.KeyScanCursor<String> page = c.sync().scan(cursor, match);
                n += page.getKeys().size();
                cursor = page;
            } while (!cursor.isFinished());
        }
        return n;
    }

    private static double rate(long records, long nanos) {
        if (nanos <= 0) throw new IllegalStateException("a timed window of " + nanos + " ns: too few records to time");
        return records / (nanos / 1e9);
    }
}
