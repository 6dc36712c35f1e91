package dev.tandem.bench.features;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tandem.bench.GcPauses;
import dev.tandem.bench.OpenLoop;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * An open-loop load generator, run as a SECOND process by the benches (same classpath): requests are scheduled at a
 * fixed rate, spread over a few threads each with its own keep-alive connection, and each latency is measured from the
 * request's <em>scheduled</em> start (not from when it was actually sent), so a stall counts against every request it
 * delays (coordinated omission accounted for, as wrk2 does). Requests in the warm-up are sent but not recorded.
 *
 * <pre>ApiLoadGenerator IDS_FILE RATE SECONDS WARMUP_SECONDS OUT_JSON NAME=TARGET...</pre>
 *
 * Each target runs in turn, with its own warm-up, against the same ids in the same order:
 * <ul>
 *   <li>{@code http:URL}: {@code GET URL} with {@code {id}} replaced by the URL-encoded id; 200 counts as found;</li>
 *   <li>{@code redis-hget:URI|KEY|FIELD}: {@code HGET KEY FIELD} with {@code {id}} in KEY replaced by the id, on one
 *       Lettuce connection per thread; a value counts as found, none as 404.</li>
 * </ul>
 * Writes {@code {"NAME": {"requests","errors","non_200","p50_ms","p90_ms","p99_ms","p999_ms","max_ms","achieved_rate"}}}.
 */
public final class ApiLoadGenerator {
    static final int THREADS = 4;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ApiLoadGenerator() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 6) {
            System.err.println("usage: ApiLoadGenerator IDS_FILE RATE SECONDS WARMUP_SECONDS OUT_JSON NAME=TARGET...");
            System.exit(2);
        }
        List<String> ids = Files.readAllLines(Path.of(args[0])).stream()
                .filter(s -> !s.isBlank())
                .toList();
        double rate = Double.parseDouble(args[1]);
        double seconds = Double.parseDouble(args[2]);
        double warmup = Double.parseDouble(args[3]);
        Map<String, Map<String, Number>> results = new LinkedHashMap<>();
        for (String named : Arrays.asList(args).subList(5, args.length)) {
            int eq = named.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("expected NAME=TARGET, got " + named);
            results.put(named.substring(0, eq), run(named.substring(eq + 1), ids, rate, seconds, warmup));
        }
        JSON.enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(Path.of(args[4]).toFile(), results);
    }

    /**
     * Runs this class in a child JVM with this JVM's classpath against {@code targets} (name → target, in order) and
     * returns its results by name.
     */
    public static Map<String, Map<String, Number>> runChild(
            List<String> ids, double rate, double seconds, double warmup, Map<String, String> targets)
            throws Exception {
        Path idsFile = Files.createTempFile("tandem-bench-api-ids-", ".txt");
        Path result = Files.createTempFile("tandem-bench-api-", ".json");
        try {
            Files.write(idsFile, ids);
            List<String> cmd = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m",
                    "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=4",
                    "-cp",
                    System.getProperty("java.class.path"),
                    ApiLoadGenerator.class.getName(),
                    idsFile.toString(),
                    Double.toString(rate),
                    Double.toString(seconds),
                    Double.toString(warmup),
                    result.toString()));
            targets.forEach((name, target) -> cmd.add(name + "=" + target));
            Process p = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            try {
                if (!p.waitFor((long) ((seconds + warmup) * targets.size()) + 120, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the load generator did not finish");
                }
            } finally {
                p.destroy();
            }
            if (p.exitValue() != 0)
                throw new IllegalStateException("the load generator failed (exit " + p.exitValue() + ")");
            Map<String, Map<String, Number>> out = new LinkedHashMap<>();
            JsonNode root = JSON.readTree(result.toFile());
            root.fields().forEachRemaining(t -> {
                Map<String, Number> m = new LinkedHashMap<>();
                t.getValue()
                        .fields()
                        .forEachRemaining(e -> m.put(e.getKey(), e.getValue().numberValue()));
                out.put(t.getKey(), m);
            });
            return out;
        } finally {
            Files.deleteIfExists(idsFile);
            Files.deleteIfExists(result);
        }
    }

    /** One thread's way to make a request for id number {@code i}: its status (200 found, 404 none), or -1 on error. */
    private interface Requester extends AutoCloseable {
        int request(int i);

        @Override
        default void close() {}
    }

    /** Opens one thread's {@link Requester}; what all threads share is built once, when the target is parsed. */
    private interface Target {
        Requester open();
    }

    private static Target target(String target, List<String> ids) {
        if (target.startsWith("http:")) {
            KeepAliveHttp.Requests requests = KeepAliveHttp.Requests.of(target.substring("http:".length()), ids);
            return () -> {
                KeepAliveHttp.Connection c = new KeepAliveHttp.Connection(requests);
                return new Requester() {
                    @Override
                    public int request(int i) {
                        return c.get(i);
                    }

                    @Override
                    public void close() {
                        c.close();
                    }
                };
            };
        }
        if (target.startsWith("redis-hget:")) {
            String[] parts = target.substring("redis-hget:".length()).split("\\|", -1);
            if (parts.length != 3) throw new IllegalArgumentException("expected redis-hget:URI|KEY|FIELD: " + target);
            List<String> keys = new ArrayList<>(ids.size());
            for (String id : ids) keys.add(parts[1].replace("{id}", id));
            String field = parts[2];
            return () -> {
                RedisClient client = RedisClient.create(parts[0]);
                StatefulRedisConnection<String, String> connection = client.connect();
                RedisCommands<String, String> redis = connection.sync();
                return new Requester() {
                    @Override
                    public int request(int i) {
                        try {
                            return redis.hget(keys.get(i % keys.size()), field) == null ? 404 : 200;
                        } catch (RuntimeException e) {
                            return -1;
                        }
                    }

                    @Override
                    public void close() {
                        connection.close();
                        client.shutdown();
                    }
                };
            };
        }
        throw new IllegalArgumentException("unknown target (http:… or redis-hget:…): " + target);
    }

    static Map<String, Number> run(String target, List<String> ids, double rate, double seconds, double warmup)
            throws InterruptedException {
        if (ids.isEmpty()) throw new IllegalArgumentException("no ids");
        long total = (long) ((warmup + seconds) * rate);
        long warmupRequests = (long) (warmup * rate);
        AtomicLong errors = new AtomicLong();
        AtomicLong non200 = new AtomicLong();
        Histogram[] histograms = new Histogram[THREADS];
        Thread[] threads = new Thread[THREADS];
        Requester[] requesters = new Requester[THREADS];
        Target opened = target(target, ids);
        for (int t = 0; t < THREADS; t++) requesters[t] = opened.open();
        // the ids and prepared requests (megabytes at 50,000 ids) would otherwise be copied out of the young generation
        // by the first collection inside the first target's window: a 60-100 ms pause of the generator, counted
        // against every request it delays
        System.gc();
        // spins the last 200 µs before each request: a park wakes up to ~50 µs late, a lateness the sub-millisecond
        // latencies measured here would include
        OpenLoop schedule = OpenLoop.startingIn(rate, TimeUnit.MILLISECONDS.toNanos(200), 200_000);
        GcPauses gc = GcPauses.start();
        for (int t = 0; t < THREADS; t++) {
            int me = t;
            histograms[t] = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
            threads[t] = new Thread(
                    () -> {
                        for (long i = me; i < total; i += THREADS) {
                            long scheduled = schedule.dueNanos(i);
                            schedule.awaitDue(i);
                            int status = requesters[me].request((int) (i % ids.size()));
                            long latencyMicros = (System.nanoTime() - scheduled) / 1_000;
                            if (i >= warmupRequests) {
                                histograms[me].recordValue(
                                        Math.min(latencyMicros, histograms[me].getHighestTrackableValue()));
                                if (status < 0) errors.incrementAndGet();
                                else if (status != 200) non200.incrementAndGet();
                            }
                        }
                    },
                    "api-load-" + t);
            threads[t].start();
        }
        for (Thread t : threads) t.join();
        long end = System.nanoTime();
        GcPauses.Summary pauses = gc.summary();
        gc.close();
        for (Requester r : requesters) r.close();
        Histogram all = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
        for (Histogram h : histograms) all.add(h);
        double measuredSeconds = (end - schedule.dueNanos(warmupRequests)) / 1e9;
        Map<String, Number> m = new LinkedHashMap<>();
        m.put("requests", all.getTotalCount());
        m.put("errors", errors.get());
        m.put("non_200", non200.get());
        m.put("p50_ms", ms(all.getValueAtPercentile(50)));
        m.put("p90_ms", ms(all.getValueAtPercentile(90)));
        m.put("p99_ms", ms(all.getValueAtPercentile(99)));
        m.put("p999_ms", ms(all.getValueAtPercentile(99.9)));
        m.put("max_ms", ms(all.getMaxValue()));
        m.put("achieved_rate", Math.round(all.getTotalCount() / measuredSeconds));
        // the load generator's own collections (warm-up included): a pause here delays requests as the server's would
        m.put("client_gc_pauses", pauses.count());
        m.put("client_gc_pause_max_ms", pauses.maxMs());
        return m;
    }

    private static double ms(long micros) {
        return Math.round(micros / 10.0) / 100.0;
    }
}
