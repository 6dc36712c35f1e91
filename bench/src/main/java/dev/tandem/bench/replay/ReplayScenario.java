package dev.tandem.bench.replay;

import dev.tandem.bench.BenchEnvironment;
import dev.tandem.bench.ScenarioCommand;
import dev.tandem.datasets.generator.EventFileFormat;
import dev.tandem.datasets.generator.EventFileWriter;
import dev.tandem.datasets.generator.GeneratorConfig;
import dev.tandem.datasets.generator.SyntheticWorld;
import dev.tandem.datasets.replay.CsvFormat;
import dev.tandem.datasets.replay.EventSink;
import dev.tandem.datasets.replay.LineReader;
import dev.tandem.datasets.replay.MalformedLineException;
import dev.tandem.datasets.replay.ReplayListener;
import dev.tandem.datasets.replay.ReplayResult;
import dev.tandem.datasets.replay.Replayer;
import dev.tandem.datasets.replay.RowParser;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.kafka.AvroProducer;
import dev.tandem.schemas.kafka.AvroSerdes;
import dev.tandem.schemas.kafka.KafkaEndpoints;
import dev.tandem.schemas.kafka.ProducerSettings;
import dev.tandem.schemas.kafka.SendErrors;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Replay throughput against its ceiling. Generated events are written as a Taobao CSV and
 * replayed through the real path (line reader, parser, Avro serde with the registry, idempotent
 * producer); the baseline, in the same run and on the same broker, is the same producer
 * configuration sending pre-built byte[] keys and values taken from the same events, so the
 * ratio is what parsing and serialization cost on top of Kafka itself. Each measurement is
 * preceded by a short warm-up on its own topic so the JIT has compiled the hot path.
 */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        description = "Replay throughput (Taobao CSV → Avro → Kafka) vs a plain byte[] producer of the same records.")
public final class ReplayScenario extends ScenarioCommand {
    private static final int VALUE_POOL = 65_536;

    @Option(
            names = "--events",
            defaultValue = "1000000",
            description = "Events per measurement (default: ${DEFAULT-VALUE}).")
    long events;

    @Option(
            names = "--warmup",
            defaultValue = "-1",
            description =
                    "Events replayed (and sent by the baseline) before measuring (default: min(200000, events / 4)).")
    long warmup;

    @Option(names = "--seed", defaultValue = "7", description = "Generator seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    protected String scenario() {
        return "replay";
    }

    @Override
    protected void validate() {
        if (events < 1)
            throw new CommandLine.ParameterException(spec.commandLine(), "--events must be >= 1, got " + events);
    }

    @Override
    protected Map<String, Number> measure(BenchEnvironment env, PrintWriter out) throws Exception {
        long warm = warmup >= 0 ? Math.min(warmup, events) : Math.min(200_000, events / 4);
        Path csv = Files.createTempFile("tandem-bench-replay-", ".csv");
        try {
            long t0 = System.nanoTime();
            writeCsv(csv, events);
            out.printf(
                    Locale.ROOT,
                    "wrote %,d events as Taobao CSV (%,d bytes) in %.1f s%n",
                    events,
                    Files.size(csv),
                    (System.nanoTime() - t0) / 1e9);
            out.flush();

            KafkaEndpoints endpoints = env.endpoints();
            if (warm > 0) replay(endpoints, csv, env.freshTopic("replay-warmup"), warm);
            ReplayRun run = replay(endpoints, csv, env.freshTopic("replay"), 0);
            if (run.result.eventsSent() != events || run.result.malformedLines() != 0) {
                throw new IllegalStateException("replay sent " + run.result.eventsSent() + " of " + events + " events ("
                        + run.result.malformedLines() + " malformed lines)");
            }
            double replayRate = run.result.eventsPerSecond();
            double bytesPerEvent = run.bytes / (double) run.result.eventsSent();
            out.printf(
                    Locale.ROOT,
                    "replay:   %,.0f events/s (%,d events in %.2f s, %.1f bytes/event)%n",
                    replayRate,
                    run.result.eventsSent(),
                    run.result.elapsed().toNanos() / 1e9,
                    bytesPerEvent);
            out.flush();

            Pool pool = pool(csv, endpoints.registryUrl(), env.freshTopic("pool"));
            if (warm > 0) baseline(endpoints, env.freshTopic("baseline-warmup"), pool, warm);
            double baselineRate = baseline(endpoints, env.freshTopic("baseline"), pool, events);
            out.printf(
                    Locale.ROOT,
                    "baseline: %,.0f records/s (byte[] values of %.1f bytes on average)%n",
                    baselineRate,
                    pool.meanValueSize());
            out.printf(Locale.ROOT, "ratio:    %.3f%n", replayRate / baselineRate);
            out.flush();

            Map<String, Number> m = new LinkedHashMap<>();
            m.put("events_per_sec", round(replayRate));
            m.put("baseline_records_per_sec", round(baselineRate));
            m.put("ratio_to_baseline", Math.round(replayRate / baselineRate * 1000) / 1000.0);
            m.put("bytes_per_event", Math.round(bytesPerEvent * 10) / 10.0);
            m.put("events", events);
            return m;
        } finally {
            Files.deleteIfExists(csv);
        }
    }

    private static long round(double v) {
        return Math.round(v);
    }

    private void writeCsv(Path csv, long n) throws Exception {
        int users = (int) Math.max(1_000, Math.min(1_000_000, n / 100));
        int items = (int) Math.max(5_000, Math.min(4_000_000, n / 20));
        SyntheticWorld world = SyntheticWorld.create(GeneratorConfig.of(users, items, n, seed));
        try (EventFileWriter w = new EventFileWriter(csv, EventFileFormat.TAOBAO, null)) {
            var it = world.events();
            while (it.hasNext()) w.write(it.next());
        }
    }

    private record ReplayRun(ReplayResult result, long bytes) {}

    private static ReplayRun replay(KafkaEndpoints endpoints, Path csv, String topic, long limit) throws Exception {
        try (AvroProducer producer = new AvroProducer(endpoints, "tandem-bench-replay")) {
            ReplayResult r = new Replayer(new Replayer.Options(CsvFormat.TAOBAO, 0, true, limit))
                    .replay(
                            csv,
                            EventSink.of((key, event) -> producer.send(topic, key, event), producer::flush),
                            ReplayListener.NONE);
            return new ReplayRun(r, producer.serializedBytes());
        }
    }

    /** Keys and values as the replay sends them, serialized once up front. */
    private record Pool(byte[][] keys, byte[][] values) {
        double meanValueSize() {
            long sum = 0;
            for (byte[] v : values) sum += v.length;
            return sum / (double) values.length;
        }
    }

    private static Pool pool(Path csv, String registryUrl, String topic) throws Exception {
        List<byte[]> keys = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        RowParser parser = CsvFormat.TAOBAO.newParser(csv.getFileName().toString());
        try (TandemAvroSerializer<UserEvent> serializer = AvroSerdes.valueSerializer(registryUrl);
                InputStream in = Files.newInputStream(csv);
                LineReader lines = new LineReader(in)) {
            while (values.size() < VALUE_POOL && lines.next()) {
                UserEvent e;
                try {
                    e = parser.parse(lines.buffer(), lines.start(), lines.end(), lines.lineNumber());
                } catch (MalformedLineException ex) {
                    continue;
                }
                keys.add(e.getUserId().getBytes(StandardCharsets.UTF_8));
                values.add(serializer.serialize(topic, e));
            }
        }
        return new Pool(keys.toArray(new byte[0][]), values.toArray(new byte[0][]));
    }

    private static double baseline(KafkaEndpoints endpoints, String topic, Pool pool, long n) {
        SendErrors errors = new SendErrors();
        long start;
        long end;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                ProducerSettings.throughput(endpoints.bootstrapServers(), "tandem-bench-baseline"),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            int size = pool.values.length;
            start = System.nanoTime();
            for (long i = 0; i < n; i++) {
                int k = (int) (i % size);
                producer.send(new ProducerRecord<>(topic, pool.keys[k], pool.values[k]), errors);
            }
            producer.flush();
            end = System.nanoTime();
            producer.close(Duration.ofSeconds(30));
        }
        errors.throwIfFailed("baseline records");
        return n / ((end - start) / 1e9);
    }
}
