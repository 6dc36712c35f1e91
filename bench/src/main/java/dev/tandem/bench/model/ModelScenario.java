package dev.tandem.bench.model;

import dev.tandem.bench.ReportFile;
import dev.tandem.bench.RunInfo;
import dev.tandem.datasets.generator.GeneratedEvent;
import dev.tandem.datasets.generator.GeneratorConfig;
import dev.tandem.datasets.generator.SyntheticWorld;
import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.features.sequence.BehaviourSequence;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.features.sequence.SequenceUpdater;
import dev.tandem.model.data.ExampleBuilder;
import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.data.FunnelConfig;
import dev.tandem.model.data.LoggedEvent;
import dev.tandem.model.features.EncodedBatch;
import dev.tandem.model.features.FeatureEncoder;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.features.UserVector;
import dev.tandem.model.serving.FunnelScorer;
import dev.tandem.model.train.TrainedModel;
import dev.tandem.model.train.Trainer;
import dev.tandem.model.zoo.ModelConfig;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.UserFeatures;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Training and scoring speed of the default funnel model (MMoE + funnel head + target attention,
 * default feature spec) on generated data, no Kafka involved:
 * <ul>
 *   <li>{@code train_examples_per_sec}: the trainer's own count over its training epochs;</li>
 *   <li>{@code predictions_per_sec_b<N>}: the EXPORTED SavedModel through {@link FunnelScorer}, intra-op
 *       threads 1, inter-op −1, input tensors allocated once per batch size and refilled per call,
 *       each batch size warmed up before it is measured; candidates scored per second on one thread;</li>
 *   <li>{@code encode_ns_per_candidate}: {@code UserFeatures} (Avro) encoded once per request of 256
 *       candidates, each candidate's {@code ItemMetadata} hashed and written into a reused batch.</li>
 * </ul>
 */
@Command(
        name = "model",
        mixinStandardHelpOptions = true,
        description =
                "Training examples/s and scoring predictions/s (batch 1, 32, 256, 2048) of the exported default funnel model, and encoding ns per candidate.")
public final class ModelScenario implements Callable<Integer> {
    static final int[] BATCHES = {1, 32, 256, 2048};
    static final int ENCODE_CANDIDATES = 256;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ReportFile report;

    @Option(
            names = "--events",
            defaultValue = "100000",
            description = "Generated events to train on (default: ${DEFAULT-VALUE}).")
    long events;

    @Option(
            names = "--epochs",
            defaultValue = "2",
            description = "Training epochs measured (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(
            names = "--seconds",
            defaultValue = "3",
            description = "Measured seconds per batch size (default: ${DEFAULT-VALUE}); warm-up is a third of it.")
    double seconds;

    @Option(names = "--seed", defaultValue = "7", description = "Generator and model seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "Model config JSON to measure instead of the defaults (absent fields take the defaults;"
                    + " learning rate, batch, epochs and seed are the bench's), e.g. {\"itemRates\": false}.")
    Path config;

    @Override
    public Integer call() throws Exception {
        CommandLine cl = spec.commandLine();
        report.requireDirectory(cl);
        if (events < 1_000) throw new CommandLine.ParameterException(cl, "--events must be >= 1000, got " + events);
        if (epochs < 1) throw new CommandLine.ParameterException(cl, "--epochs must be >= 1, got " + epochs);
        if (!(seconds > 0)) throw new CommandLine.ParameterException(cl, "--seconds must be > 0, got " + seconds);
        PrintWriter out = cl.getOut();
        RunInfo run = RunInfo.begin();
        ModelConfig base;
        try {
            base = config == null ? ModelConfig.defaults() : ModelConfig.read(config);
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw new CommandLine.ParameterException(cl, "--config " + config + ": " + e.getMessage());
        }
        Map<String, Number> metrics = measure(out, base);
        report.write("model", run.end(), metrics, out);
        return 0;
    }

    Map<String, Number> measure(PrintWriter out, ModelConfig base) throws Exception {
        Map<String, Number> metrics = new LinkedHashMap<>();
        SequencePolicy policy = SequencePolicy.defaults();
        FeatureSpec featureSpec = FeatureSpec.defaults(policy);
        FeatureEncoder encoder = new FeatureEncoder(featureSpec);
        SyntheticWorld world =
                SyntheticWorld.create(GeneratorConfig.of(Math.max(100, (int) (events / 50)), 20_000, events, seed));
        List<LoggedEvent> log = new ArrayList<>();
        for (Iterator<GeneratedEvent> it = world.events(); it.hasNext(); ) {
            log.add(LoggedEvent.of(it.next().toUserEvent()));
        }
        // 1 h on the default logs; shorter on the small ones of --quick runs, which a 1 h horizon would purge whole
        FunnelConfig funnel = FunnelConfig.fitting(log);
        ExampleSet data = new ExampleBuilder(encoder, policy, funnel).build(log);
        out.printf(
                Locale.ROOT,
                "data: %,d events, %,d exposures (train %,d)%n",
                log.size(),
                data.size(),
                data.trainCount());
        out.flush();

        ModelConfig config = base.withName("bench").withTraining(0.003, 256, epochs, epochs, seed);
        Path dir = Files.createTempDirectory("tandem-bench-model-");
        try {
            Path modelDir;
            try (TrainedModel m = new Trainer(config, line -> {
                        out.println("  " + line);
                        out.flush();
                    })
                    .train(data)) {
                metrics.put("train_examples_per_sec", round(m.trainExamplesPerSec()));
                modelDir = m.export(dir, "v1");
            }
            out.printf(
                    Locale.ROOT,
                    "training: %,.0f examples/s (config %s)%n",
                    metrics.get("train_examples_per_sec").doubleValue(),
                    config.toJson().replaceAll("\\s+", " "));
            try (FunnelScorer scorer = FunnelScorer.load(modelDir, featureSpec, data.stageNames())) {
                for (int b : BATCHES) {
                    double rate = scoring(scorer, data, featureSpec, b);
                    metrics.put("predictions_per_sec_b" + b, round(rate));
                    out.printf(
                            Locale.ROOT,
                            "scoring batch %4d: %,12.0f predictions/s (%.2f µs per call)%n",
                            b,
                            rate,
                            b / rate * 1e6);
                    out.flush();
                }
            }
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
        double ns = encodeNs(encoder, policy, world, log);
        metrics.put("encode_ns_per_candidate", Math.round(ns * 10) / 10.0);
        out.printf(
                Locale.ROOT,
                "encoding: %.1f ns per candidate (UserFeatures once per %d candidates, ItemMetadata hashed per candidate)%n",
                ns,
                ENCODE_CANDIDATES);
        return metrics;
    }

    private double scoring(FunnelScorer scorer, ExampleSet data, FeatureSpec featureSpec, int b) {
        // distinct real rows per call, cycled over a pool of 8 batches
        int pool = 8;
        EncodedBatch[] batches = new EncodedBatch[pool];
        for (int p = 0; p < pool; p++) {
            batches[p] = new EncodedBatch(featureSpec, b);
            for (int r = 0; r < b; r++) {
                data.features().copyRow((p * b + r) % data.size(), batches[p], r);
            }
            batches[p].setRows(b);
        }
        float[] probs = new float[b * scorer.stageCount()];
        float[] column = new float[b];
        double sink = 0;
        try (FunnelScorer.Inputs in = scorer.newInputs(b)) {
            long warmEnd = System.nanoTime() + (long) (seconds / 3 * 1e9);
            int i = 0;
            while (System.nanoTime() < warmEnd) {
                scorer.score(batches[i++ % pool], in, probs, column);
            }
            long calls = 0;
            long t0 = System.nanoTime();
            long end = t0 + (long) (seconds * 1e9);
            long now;
            do {
                scorer.score(batches[i++ % pool], in, probs, column);
                sink += probs[0];
                calls++;
                now = System.nanoTime();
            } while (now < end);
            if (Double.isNaN(sink)) throw new IllegalStateException("NaN scores");
            return calls * (double) b / ((now - t0) / 1e9);
        }
    }

    private double encodeNs(
            FeatureEncoder encoder, SequencePolicy policy, SyntheticWorld world, List<LoggedEvent> log) {
        // one real user's sequence (the first 80 events of user "1") and 256 real catalog items
        BehaviourSequence seq = new BehaviourSequence(policy);
        long last = 0;
        int n = 0;
        for (LoggedEvent e : log) {
            if (e.userId().equals(log.get(0).userId()) && n < 80) {
                BehaviourEvent be = e.event();
                SequenceUpdater.apply(seq, be);
                last = be.eventTimeMs();
                n++;
            }
        }
        UserFeatures features = seq.toUserFeatures(log.get(0).userId());
        List<ItemMetadata> all = world.catalog().itemMetadata();
        ItemMetadata[] items = new ItemMetadata[ENCODE_CANDIDATES];
        for (int i = 0; i < items.length; i++) {
            items[i] = all.get((i * 7919) % all.size());
        }
        UserVector user = encoder.newUserVector();
        EncodedBatch batch = encoder.newBatch(ENCODE_CANDIDATES);
        long now = last + 60_000;
        long requests = 0;
        long warmEnd = System.nanoTime() + (long) (seconds / 3 * 1e9);
        while (System.nanoTime() < warmEnd) {
            encodeRequest(encoder, features, now, user, items, batch);
        }
        long t0 = System.nanoTime();
        long end = t0 + (long) (seconds * 1e9);
        long t;
        do {
            for (int r = 0; r < 100; r++) {
                encodeRequest(encoder, features, now, user, items, batch);
            }
            requests += 100;
            t = System.nanoTime();
        } while (t < end);
        return (t - t0) / (double) (requests * ENCODE_CANDIDATES);
    }

    private static void encodeRequest(
            FeatureEncoder encoder,
            UserFeatures features,
            long now,
            UserVector user,
            ItemMetadata[] items,
            EncodedBatch batch) {
        encoder.encodeUser(features, now, user);
        for (int i = 0; i < items.length; i++) {
            encoder.writeRow(user, items[i], batch, i);
        }
    }

    private static double round(double d) {
        return Math.round(d * 10) / 10.0;
    }
}
