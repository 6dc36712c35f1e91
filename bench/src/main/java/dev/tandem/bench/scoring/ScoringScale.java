package dev.tandem.bench.scoring;

import dev.tandem.bench.BenchEnvironment;
import dev.tandem.bench.CommittedTopic;
import dev.tandem.bench.scoring.ScoringRuns.Latency;
import dev.tandem.bench.scoring.ScoringRuns.Shared;
import dev.tandem.inference.ScoringRunner;
import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.model.zoo.ModelConfig;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.kafka.AvroSerdes;
import dev.tandem.schemas.kafka.ProducerSettings;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.testkit.FileTrees;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The scoring job at one number of users, for {@code tandem bench scale}: the same runs as {@code tandem bench scoring}
 * (exactly-once throughput over pre-filled requests; request → prediction latency at a fixed rate, with the job's
 * checkpoint figures), on the users' features as the features app wrote them.
 */
public final class ScoringScale {
    /**
     * @param predictionsPerSec candidate predictions per second in the throughput run's steady window
     * @param restoreSeconds a job started from a retained checkpoint holding every user's features: start → the
     *     prediction of a request sent at its start, visible read_committed
     */
    public record Result(double predictionsPerSec, Latency latency, double restoreSeconds) {}

    private static final Duration LOAD_TIMEOUT = Duration.ofMinutes(10);

    private final PrintWriter out;
    private final ScoringRuns runs;
    private final int requests;
    private final ScoringConfig throughputConfig;
    private final ScoringConfig latencyConfig;

    /**
     * @param base the job's settings (model, parallelism, batching, state backend, checkpoint dir)
     */
    public ScoringScale(
            PrintWriter out,
            int candidates,
            double rate,
            double warmupSeconds,
            double latencySeconds,
            int requests,
            ScoringConfig base,
            Duration checkpointInterval,
            Duration latencyCheckpointInterval) {
        this.out = out;
        this.runs = new ScoringRuns(out, candidates, rate, warmupSeconds, latencySeconds);
        this.requests = requests;
        this.throughputConfig =
                base.toBuilder().checkpointInterval(checkpointInterval).build();
        this.latencyConfig =
                base.toBuilder().checkpointInterval(latencyCheckpointInterval).build();
    }

    /** The runs on {@code workload}'s requests, its users' features read from {@code featuresTopic}. */
    public Result measure(BenchEnvironment env, ScoringWorkload workload, String featuresTopic) throws Exception {
        Shared shared = workload.prefillCatalog(env, featuresTopic);
        // the requests wait for the features: with millions of users, a job that scores while it loads them would
        // measure the load (and score users it has not read yet)
        double rate = runs.throughput(
                env, shared, throughputConfig, null, false, requests, ScoringRuns.RUN_TIMEOUT, "batched", job -> {
                    long t0 = System.nanoTime();
                    if (!job.awaitFeaturesLoaded(LOAD_TIMEOUT))
                        throw new IllegalStateException("the throughput job did not read the features within "
                                + LOAD_TIMEOUT.toMinutes() + " min");
                    say("    the throughput job read the features in %.1f s", (System.nanoTime() - t0) / 1e9);
                    workload.writeRequests(env, shared.requests(), requests);
                });
        Latency latency = runs.latency(env, workload, shared, latencyConfig, null);
        return new Result(rate, latency, restoreSeconds(env, workload, shared));
    }

    /**
     * A job reads every user's features and is cancelled once a checkpoint holding them has completed (its offsets
     * committed at the topics' ends happen on that completion), the checkpoint kept; a second job starts from it, a
     * request is sent at once, and the time from the second start to that request's prediction is returned.
     */
    private double restoreSeconds(BenchEnvironment env, ScoringWorkload workload, Shared shared) throws Exception {
        List<String> topics = env.freshTopicsUnprimed("scale-restore-requests", "scale-restore-predictions");
        ScoringBenchJob.Topics t =
                new ScoringBenchJob.Topics(topics.get(0), shared.features(), shared.items(), topics.get(1));
        Path checkpoints = Files.createTempDirectory("tandem-bench-scale-checkpoints-");
        try {
            ScoringConfig config = latencyConfig.toBuilder()
                    .checkpointDir(checkpoints.toUri().toString())
                    .build();
            String run = env.uniqueName("scale-restore");
            String bootstrap = env.endpoints().bootstrapServers();
            String registry = env.endpoints().registryUrl();
            try (ScoringBenchJob first = ScoringBenchJob.start(bootstrap, registry, t, null, config, null, run)) {
                if (!first.awaitFeaturesLoaded(LOAD_TIMEOUT))
                    throw new IllegalStateException("the restore run's first job did not read the features within "
                            + LOAD_TIMEOUT.toMinutes() + " min");
            }
            ScoringRunner.Restore restore = ScoringRunner.restore(config, null);
            if (restore.fresh())
                throw new IllegalStateException("no retained checkpoint to restore: " + restore.describe());
            TandemAvroSerializer<ScoringRequest> serializer = AvroSerdes.valueSerializer(registry);
            ScoringRequest probe = workload.request("restore-", 0);
            try (KafkaConsumer<byte[], byte[]> c = CommittedTopic.consumer(bootstrap, "tandem-bench-scale-restore");
                    KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(
                            ProducerSettings.throughput(bootstrap, "tandem-bench-scale-restore"),
                            new ByteArraySerializer(),
                            new ByteArraySerializer())) {
                List<TopicPartition> out = c.partitionsFor(topics.get(1)).stream()
                        .map(pi -> new TopicPartition(topics.get(1), pi.partition()))
                        .toList();
                c.assign(out);
                c.seekToBeginning(out);
                long t0 = System.nanoTime();
                try (ScoringBenchJob second =
                        ScoringBenchJob.start(bootstrap, registry, t, null, config, null, run, restore)) {
                    p.send(new ProducerRecord<>(
                                    topics.get(0),
                                    ScoringRuns.utf8(probe.getUserId()),
                                    serializer.serialize(topics.get(0), probe)))
                            .get();
                    long deadline = t0 + LOAD_TIMEOUT.toNanos();
                    while (c.poll(Duration.ofMillis(20)).isEmpty()) {
                        second.failure().ifPresent(f -> {
                            throw new IllegalStateException(f);
                        });
                        if (System.nanoTime() > deadline)
                            throw new IllegalStateException(
                                    "no prediction from the restored job within " + LOAD_TIMEOUT.toMinutes() + " min");
                    }
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    say("    restored from %s: first prediction %.2f s after the start", restore.path(), seconds);
                    return seconds;
                }
            }
        } finally {
            FileTrees.deleteQuietly(checkpoints);
        }
    }

    /**
     * The bench's model ({@value ScoringOptions#DEFAULT_MODEL}, one epoch) trained on a generated log of
     * {@code users} users, exported under {@code root}: the model does not depend on how many users are scored.
     */
    public static Path model(Path root, int users, int items, long events, int candidates, long seed, PrintWriter out)
            throws Exception {
        String name = ScoringOptions.DEFAULT_MODEL;
        int dash = name.indexOf('-');
        ModelConfig config = ModelConfig.defaults()
                .withName("bench-" + name)
                .withArchitecture(name.substring(0, dash), name.substring(dash + 1))
                .withTraining(0.003, 256, 1, 1, seed);
        ScoringWorkload w = ScoringWorkload.generate(users, items, events, candidates, seed);
        return w.trainedModel(config, root, "v1", line -> {
            out.println("    " + line);
            out.flush();
        });
    }

    private void say(String format, Object... args) {
        out.println(String.format(Locale.ROOT, format, args));
        out.flush();
    }
}
