package dev.tandem.bench.features;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tandem.bench.OpenLoop;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * An open-loop HTTP load generator for {@code GET /v1/users/{id}/features}, run as a SECOND process by
 * {@code tandem bench features} (same classpath): requests are scheduled at a fixed rate, spread over a few
 * threads with keep-alive connections, and each latency is measured from the request's <em>scheduled</em> start
 * (not from when it was actually sent), so a stall counts against every request it delays (coordinated omission
 * accounted for, as wrk2 does). Requests in the warm-up are sent but not recorded.
 *
 * <pre>ApiLoadGenerator BASE_URL IDS_FILE RATE SECONDS WARMUP_SECONDS OUT_JSON</pre>
 * Writes {@code {"requests","errors","non_200","p50_ms","p90_ms","p99_ms","p999_ms","max_ms","achieved_rate"}}.
 */
public final class ApiLoadGenerator {
    static final int THREADS = 4;

    private ApiLoadGenerator() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            System.err.println("usage: ApiLoadGenerator BASE_URL IDS_FILE RATE SECONDS WARMUP_SECONDS OUT_JSON");
            System.exit(2);
        }
        String base = args[0];
        List<String> ids = Files.readAllLines(Path.of(args[1])).stream()
                .filter(s -> !s.isBlank())
                .toList();
        double rate = Double.parseDouble(args[2]);
        double seconds = Double.parseDouble(args[3]);
        double warmup = Double.parseDouble(args[4]);
        Map<String, Number> result = run(base, ids, rate, seconds, warmup);
        new ObjectMapper()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(Path.of(args[5]).toFile(), result);
    }

    static Map<String, Number> run(String base, List<String> ids, double rate, double seconds, double warmup)
            throws InterruptedException {
        if (ids.isEmpty()) throw new IllegalArgumentException("no user ids");
        List<String> urls = new ArrayList<>();
        for (String id : ids)
            urls.add(base + "/v1/users/" + URLEncoder.encode(id, StandardCharsets.UTF_8) + "/features");
        long total = (long) ((warmup + seconds) * rate);
        long warmupRequests = (long) (warmup * rate);
        AtomicLong errors = new AtomicLong();
        AtomicLong non200 = new AtomicLong();
        Histogram[] histograms = new Histogram[THREADS];
        Thread[] threads = new Thread[THREADS];
        // spins the last 200 µs before each request: a park wakes up to ~50 µs late, a lateness the sub-millisecond
        // latencies measured here would include
        OpenLoop schedule = OpenLoop.startingIn(rate, TimeUnit.MILLISECONDS.toNanos(200), 200_000);
        for (int t = 0; t < THREADS; t++) {
            int me = t;
            histograms[t] = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
            threads[t] = new Thread(
                    () -> {
                        byte[] buf = new byte[16 * 1024];
                        for (long i = me; i < total; i += THREADS) {
                            long scheduled = schedule.dueNanos(i);
                            schedule.awaitDue(i);
                            int status;
                            try {
                                HttpURLConnection c = (HttpURLConnection) URI.create(urls.get((int) (i % urls.size())))
                                        .toURL()
                                        .openConnection();
                                c.setConnectTimeout(5_000);
                                c.setReadTimeout(10_000);
                                status = c.getResponseCode();
                                try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
                                    if (in != null)
                                        while (in.read(buf) >= 0) {
                                            /* drain so the connection is reused */
                                        }
                                }
                            } catch (IOException e) {
                                status = -1;
                            }
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
        return m;
    }

    private static double ms(long micros) {
        return Math.round(micros / 10.0) / 100.0;
    }
}
