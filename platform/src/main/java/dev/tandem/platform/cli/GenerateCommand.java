package dev.tandem.platform.cli;

import dev.tandem.datasets.generator.EventFileFormat;
import dev.tandem.datasets.generator.EventFileWriter;
import dev.tandem.datasets.generator.GeneratedEvent;
import dev.tandem.datasets.generator.GeneratorConfig;
import dev.tandem.datasets.generator.SyntheticWorld;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.kafka.AvroProducer;
import dev.tandem.schemas.kafka.KafkaEndpoints;
import dev.tandem.schemas.topics.TandemTopics;
import java.io.BufferedWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tandem generate}: seeded synthetic shop events into a topic or a file. */
@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        description = {
            "Generates seeded synthetic e-commerce events (sessions of views, carts, favourites, purchases) whose conversion",
            "probabilities depend on user-category affinity, price and recency; the same seed gives the same events.",
            "To a topic: Avro UserEvents keyed by user id (and the catalog to the items topic). To a file: --format events",
            "(JSON lines, every field) or taobao (the Taobao CSV, replayable with `tandem replay --format taobao`)."
        })
public final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--users", defaultValue = "1000", description = "Users (default: ${DEFAULT-VALUE}).")
    int users;

    @Option(names = "--items", defaultValue = "5000", description = "Items in the catalog (default: ${DEFAULT-VALUE}).")
    int items;

    @Option(
            names = "--events",
            defaultValue = "100000",
            description = "Events to generate (default: ${DEFAULT-VALUE}).")
    long events;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--start",
            paramLabel = "INSTANT",
            description = "Event time of the first session, ISO-8601 (default: 2017-11-25T00:00:00Z).")
    Instant start;

    @Option(
            names = "--rate",
            paramLabel = "EVENTS_PER_SEC",
            defaultValue = "0",
            description = "Emit at most this many events per second of wall time; 0 (default) for as fast as possible.")
    double rate;

    static final class Target {
        @Option(names = "--topic", paramLabel = "TOPIC", description = "Send to this topic (e.g. events).")
        String topic;

        @Option(names = "--out", paramLabel = "FILE", description = "Write to this file.")
        Path out;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    @Option(
            names = "--format",
            paramLabel = "events|taobao",
            defaultValue = "events",
            description = "File format with --out: events (JSON lines, default) or taobao (CSV).")
    EventFileFormat format;

    @Option(
            names = "--truth",
            paramLabel = "FILE",
            description = "Also write the true P(cart|view) and P(purchase|view) of every view: CSV "
                    + EventFileWriter.TRUTH_HEADER + ".")
    Path truth;

    @Option(
            names = "--catalog",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description =
                    "With --topic, first send the item catalog (ItemMetadata keyed by item id) to the items topic (default: on).")
    boolean catalog;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() throws Exception {
        validate();
        GeneratorConfig config = new GeneratorConfig(
                users,
                items,
                GeneratorConfig.defaultCategories(items),
                events,
                seed,
                start == null ? GeneratorConfig.DEFAULT_START : start);
        SyntheticWorld world = SyntheticWorld.create(config);
        PrintWriter out = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        long written;
        String where;
        if (target.out != null) {
            written = toFile(world);
            where = target.out.toString();
        } else {
            written = toTopic(world, kafka.reachableEndpoints());
            where = "topic '" + target.topic + "'";
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        out.printf(
                Locale.ROOT,
                "generated %,d events (seed %d, %,d users, %,d items) into %s in %.1f s (%,.0f events/s)%s%n",
                written,
                seed,
                users,
                items,
                where,
                secs,
                secs > 0 ? written / secs : 0.0,
                truth != null ? "; ground truth in " + truth : "");
        out.flush();
        return ExitCodes.OK;
    }

    private void validate() {
        CommandLine cl = spec.commandLine();
        if (users < 1) throw new CommandLine.ParameterException(cl, "--users must be >= 1, got " + users);
        if (items < 1) throw new CommandLine.ParameterException(cl, "--items must be >= 1, got " + items);
        if (events < 0) throw new CommandLine.ParameterException(cl, "--events must be >= 0, got " + events);
        if (rate < 0 || Double.isNaN(rate))
            throw new CommandLine.ParameterException(cl, "--rate must be >= 0, got " + rate);
        if (target.out != null) {
            Path parent = target.out.toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent))
                throw new CommandLine.ParameterException(cl, "directory not found: " + parent);
        }
        if (truth != null) {
            Path parent = truth.toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent))
                throw new CommandLine.ParameterException(cl, "directory not found: " + parent);
        }
    }

    private long toFile(SyntheticWorld world) throws Exception {
        Throttle throttle = new Throttle(rate);
        long n = 0;
        long started = System.nanoTime();
        try (EventFileWriter w = new EventFileWriter(target.out, format, truth);
                Progress progress = Progress.start("generate", events, "ev", 1)) {
            Iterator<GeneratedEvent> it = world.events();
            while (it.hasNext()) {
                w.write(it.next());
                n++;
                throttle.await(n);
                if ((n & 0xFFF) == 0) progress.stepTo(n, Progress.rate(n, started));
            }
            progress.stepTo(n, Progress.rate(n, started));
        }
        return n;
    }

    private long toTopic(SyntheticWorld world, KafkaEndpoints endpoints) throws Exception {
        Throttle throttle = new Throttle(rate);
        long n = 0;
        long started = System.nanoTime();
        try (AvroProducer producer = new AvroProducer(endpoints, "tandem-generate");
                BufferedWriter truthOut =
                        truth == null ? null : Files.newBufferedWriter(truth, StandardCharsets.UTF_8);
                Progress progress = Progress.start("generate", events, "ev", 1)) {
            if (catalog) {
                for (ItemMetadata item : world.catalog().itemMetadata())
                    producer.send(TandemTopics.ITEMS, item.getItemId(), item);
            }
            if (truthOut != null) truthOut.write(EventFileWriter.TRUTH_HEADER + "\n");
            Iterator<GeneratedEvent> it = world.events();
            while (it.hasNext()) {
                GeneratedEvent e = it.next();
                producer.send(target.topic, e.userId(), e.toUserEvent());
                if (truthOut != null && e.isView()) {
                    truthOut.write(String.format(
                            Locale.ROOT,
                            "%s,%s,%s,%.6f,%.6f%n",
                            e.eventId(),
                            e.userId(),
                            e.itemId(),
                            e.pCart(),
                            e.pPurchase()));
                }
                n++;
                throttle.await(n);
                if ((n & 0xFFF) == 0) progress.stepTo(n, Progress.rate(n, started));
            }
            producer.flush();
            progress.stepTo(n, Progress.rate(n, started));
        }
        return n;
    }
}
