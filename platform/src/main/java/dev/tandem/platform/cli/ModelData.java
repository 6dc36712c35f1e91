package dev.tandem.platform.cli;

import dev.tandem.datasets.generator.EventFileReader;
import dev.tandem.datasets.generator.GroundTruth;
import dev.tandem.datasets.replay.CsvFormat;
import dev.tandem.datasets.replay.EventFiles;
import dev.tandem.datasets.replay.InvalidInputException;
import dev.tandem.datasets.replay.ReplayResult;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.model.data.ExampleBuilder;
import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.data.FunnelConfig;
import dev.tandem.model.features.FeatureEncoder;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.train.Reports;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.kafka.AvroSerdes;
import dev.tandem.schemas.kafka.KafkaEndpoints;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine;

/** What {@code tandem train} and {@code tandem evaluate} share: reading a log (file or topic) into examples, and its truth. */
final class ModelData {
    /** The formats {@code --format} takes: the replay CSVs and the generator's JSON lines. */
    enum Format {
        TAOBAO,
        REES46,
        EVENTS
    }

    /** The prefix of a {@code --data} value naming a Kafka topic instead of a file. */
    static final String TOPIC_PREFIX = "kafka:";
    /** Reading a topic gives up when no partition's position moves for this long. */
    static final Duration TOPIC_STALL_TIMEOUT = Duration.ofSeconds(30);
    /** How many bad records are printed with their reason; the count is always printed. */
    static final int PRINTED_BAD_RECORDS = 3;

    /**
     * Where {@code --data} points: a log file (with a {@code --format}), or {@code kafka:TOPIC}, a topic
     * of Avro {@code UserEvent}s as {@code tandem replay} writes them. A file whose name starts with
     * {@code kafka:} is reached as {@code ./kafka:…}.
     */
    record DataSource(Path file, String topic) {
        static DataSource parse(CommandLine cl, String value) {
            if (value.startsWith(TOPIC_PREFIX)) {
                String t = value.substring(TOPIC_PREFIX.length());
                // Kafka's own rule for topic names: refuse here rather than as a metadata error later
                if (!t.matches("[A-Za-z0-9._-]{1,249}")) {
                    throw new CommandLine.ParameterException(
                            cl, "--data '" + value + "': a topic name is 1 to 249 letters, digits, '.', '_' or '-'");
                }
                return new DataSource(null, t);
            }
            return new DataSource(Path.of(value), null);
        }

        boolean isTopic() {
            return topic != null;
        }

        /** Checks the source and its {@code --format}: a file needs one, a topic holds Avro UserEvents and takes none. */
        void check(CommandLine cl, Format format) {
            if (isTopic()) {
                if (format != null)
                    throw new CommandLine.ParameterException(
                            cl, "--format applies to files; topic '" + topic + "' holds Avro UserEvents");
            } else {
                if (format == null)
                    throw new CommandLine.ParameterException(cl, "--format is required when --data is a file");
                requireFile(cl, file, "file");
            }
        }

        @Override
        public String toString() {
            return isTopic() ? TOPIC_PREFIX + topic : file.toString();
        }
    }

    private ModelData() {}

    /**
     * Every event of the source: a file as {@code tandem replay} reads it (malformed lines reported on {@code err}
     * with their line numbers and skipped; with {@code strict} the first one fails), a topic up to its end offsets
     * at start (bad records counted on {@code err}).
     */
    static List<UserEvent> read(DataSource source, Format format, boolean strict, KafkaOptions kafka, PrintWriter err) {
        if (!source.isTopic()) return read(source.file(), format, strict, err);
        KafkaEndpoints endpoints = kafka.reachableEndpoints();
        TopicRead r = readTopic(endpoints, source.topic(), TOPIC_STALL_TIMEOUT);
        for (String reason : r.firstBadReasons()) err.println("tandem: bad record " + reason);
        if (r.badRecords() > r.firstBadReasons().size()) {
            err.println("tandem: … " + (r.badRecords() - r.firstBadReasons().size()) + " more bad records ("
                    + r.badRecords() + " in total)");
        }
        err.println(String.format(
                Locale.ROOT,
                "read topic '%s' (%d partitions, up to the end offsets at start): %,d records, %,d events, %,d bad records",
                source.topic(),
                r.partitions(),
                r.records(),
                r.events().size(),
                r.badRecords()));
        err.flush();
        return r.events();
    }

    /**
     * What {@link #readTopic} found: the events in event-time order (stable: partition, then offset),
     * and the records that were not a UserEvent (empty, not our wire format, unknown schema, another
     * record type), counted with the first few reasons.
     */
    record TopicRead(
            List<UserEvent> events, long records, long badRecords, List<String> firstBadReasons, int partitions) {}

    /**
     * Every committed record of {@code topic} from the earliest offset up to the end offsets observed at
     * start (read_committed: the last stable offsets), so it terminates while producers keep writing.
     *
     * @throws CliException when the topic does not exist or reading stalls for {@code stallTimeout}
     */
    static TopicRead readTopic(KafkaEndpoints endpoints, String topic, Duration stallTimeout) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // reading must never create the topic it was asked to read
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "tandem-train-reader");
        List<UserEvent> events = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        long records = 0;
        long bad = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(
                        endpoints.client(props), new ByteArrayDeserializer(), new ByteArrayDeserializer());
                TandemAvroDeserializer<org.apache.avro.specific.SpecificRecord> values =
                        AvroSerdes.valueDeserializer(endpoints.registryUrl())) {
            List<PartitionInfo> infos = c.partitionsFor(topic, stallTimeout);
            if (infos == null || infos.isEmpty()) {
                throw new CliException("topic '" + topic + "' does not exist at " + endpoints.bootstrapServers());
            }
            List<TopicPartition> tps = infos.stream()
                    .map(i -> new TopicPartition(topic, i.partition()))
                    .sorted(Comparator.comparingInt(TopicPartition::partition))
                    .toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> ends = c.endOffsets(tps, stallTimeout);
            List<List<UserEvent>> perPartition = new ArrayList<>();
            tps.forEach(tp -> perPartition.add(new ArrayList<>()));
            long lastProgress = System.nanoTime();
            Map<TopicPartition, Long> positions = new HashMap<>();
            while (true) {
                boolean done = true;
                for (TopicPartition tp : tps) {
                    long pos = c.position(tp, stallTimeout);
                    Long before = positions.put(tp, pos);
                    if (before == null || before != pos) lastProgress = System.nanoTime();
                    if (pos >= ends.get(tp)) {
                        c.pause(List.of(tp));
                    } else {
                        done = false;
                    }
                }
                if (done) break;
                if (System.nanoTime() - lastProgress > stallTimeout.toNanos()) {
                    throw new CliException(String.format(
                            Locale.ROOT,
                            "reading topic '%s' stalled for %ds at positions %s (end offsets %s)",
                            topic,
                            stallTimeout.toSeconds(),
                            positions,
                            ends));
                }
                for (ConsumerRecord<byte[], byte[]> rec : c.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(rec.topic(), rec.partition());
                    if (rec.offset() >= ends.get(tp)) continue; // written after we started
                    records++;
                    String why = null;
                    try {
                        Object v = values.deserialize(topic, rec.headers(), rec.value());
                        if (v instanceof UserEvent e) {
                            perPartition.get(tps.indexOf(tp)).add(e);
                        } else {
                            why = v == null
                                    ? "an empty value (tombstone)"
                                    : "a " + v.getClass().getSimpleName() + ", not a UserEvent";
                        }
                    } catch (RuntimeException e) {
                        why = e.getMessage();
                    }
                    if (why != null) {
                        bad++;
                        if (reasons.size() < PRINTED_BAD_RECORDS)
                            reasons.add("at partition " + rec.partition() + " offset " + rec.offset() + ": "
                                    + oneLine(why));
                    }
                }
            }
            perPartition.forEach(events::addAll);
            // the file path keeps file order into ExampleBuilder, which orders by event time (stably) itself:
            // a stable time sort here gives the builder the same order for the same events
            events.sort(Comparator.comparing(UserEvent::getEventTime));
            return new TopicRead(events, records, bad, reasons, tps.size());
        } catch (KafkaException e) {
            // the broker went away or refused us mid-read (timeouts, authorization): one line, not a trace
            throw new CliException(
                    "cannot read topic '" + topic + "' at " + endpoints.bootstrapServers() + ": " + e.getMessage());
        }
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ").trim();
    }

    static void requireFile(CommandLine cl, Path file, String what) {
        if (file != null && !Files.isRegularFile(file))
            throw new CommandLine.ParameterException(cl, what + " not found: " + file);
    }

    static FunnelConfig funnel(Duration horizon) {
        return new FunnelConfig(
                FunnelConfig.defaults().stages(),
                horizon,
                FunnelConfig.defaults().trainFraction());
    }

    /** Every event of the file, strictly: a malformed line fails with one line naming it. */
    static List<UserEvent> read(Path file, Format format) {
        return read(file, format, true, new PrintWriter(java.io.Writer.nullWriter()));
    }

    /**
     * Every event of the file, read by the replay's parsers: with {@code strict} a malformed line fails with one line
     * naming it; otherwise the first {@value ReplayCommand#PRINTED_MALFORMED} are printed on {@code err} as
     * {@code tandem replay} prints them, then their count, and the rest of the file is read.
     */
    static List<UserEvent> read(Path file, Format format, boolean strict, PrintWriter err) {
        EventFiles.Loaded loaded;
        try {
            loaded = switch (format) {
                case TAOBAO -> EventFiles.read(file, CsvFormat.TAOBAO, strict);
                case REES46 -> EventFiles.read(file, CsvFormat.REES46, strict);
                case EVENTS -> EventFileReader.readEvents(file, strict);
            };
        } catch (InvalidInputException e) {
            throw new CliException("malformed data: " + e.getMessage().replace(" (--strict)", ""));
        } catch (IOException e) {
            throw new CliException("cannot read " + file + ": " + e.getMessage());
        }
        ReplayResult r = loaded.result();
        if (r.malformedLines() > 0) {
            r.firstMalformed().stream()
                    .limit(ReplayCommand.PRINTED_MALFORMED)
                    .forEach(line -> ReplayCommand.printMalformed(line, err));
            ReplayCommand.printMoreMalformed(r, err);
            err.println(String.format(
                    Locale.ROOT,
                    "read %s: %,d rows, %,d events, %,d malformed lines skipped (--strict fails on the first)",
                    file.getFileName(),
                    r.rowsRead(),
                    r.eventsSent(),
                    r.malformedLines()));
            err.flush();
        }
        return loaded.events();
    }

    /** Examples from the file, or a clear refusal when it yields none. */
    static ExampleSet examples(Path file, Format format, FeatureSpec spec, Duration horizon) {
        return examples(read(file, format), file.toString(), spec, horizon);
    }

    /** Examples from events read from {@code source} (a file or {@code kafka:TOPIC}), or a clear refusal when they yield none. */
    static ExampleSet examples(List<UserEvent> events, String source, FeatureSpec spec, Duration horizon) {
        if (events.isEmpty()) throw new CliException("no examples: " + source + " holds no events");
        ExampleSet data;
        try {
            data = new ExampleBuilder(new FeatureEncoder(spec), SequencePolicy.defaults(), funnel(horizon))
                    .buildFromUserEvents(events);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
        if (data.validationCount() == 0) {
            throw new CliException(
                    "no validation examples: " + data.size() + " exposure(s) in " + source + " are too few to split");
        }
        return data;
    }

    static Map<String, double[]> truth(Path truthFile, ExampleSet data) {
        if (truthFile == null) return null;
        try {
            Map<String, GroundTruth> t = EventFileReader.readTruth(truthFile);
            Map<String, double[]> byId = Reports.truth(t, data.stageNames());
            Reports.ceiling(data, byId); // fails now, with the reason, if the truth is of another file
            return byId;
        } catch (InvalidInputException e) {
            throw new CliException("malformed truth file: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new CliException("--truth " + truthFile + ": " + e.getMessage());
        } catch (IOException e) {
            throw new CliException("cannot read " + truthFile + ": " + e.getMessage());
        }
    }

    /**
     * A stage whose validation rows hold one class only has no AUC (printed n/a, JSON null): say why on
     * stderr. All negatives censored is the usual cause: the data spans little more than the horizon.
     */
    static void warnIfUnevaluable(ExampleSet data, Duration horizon, java.io.PrintWriter err) {
        var s = data.stats();
        for (int t = 0; t < data.taskCount(); t++) {
            long pos = s.validationPositives().get(t);
            long evaluated = s.validationEvaluated().get(t);
            String stage = data.stageNames().get(t);
            if (evaluated > 0 && pos == evaluated) {
                err.printf(
                        Locale.ROOT,
                        "tandem: warning: every validation negative of %s is censored (the data spans %s, the horizon is %s): its AUC is undefined; use a shorter --horizon or more data%n",
                        stage,
                        Duration.ofMillis(s.dataEndMs() - s.dataStartMs()),
                        horizon);
            } else if (pos == 0) {
                err.printf(Locale.ROOT, "tandem: warning: no validation positive of %s: its AUC is undefined%n", stage);
            }
        }
        err.flush();
    }

    static String describe(ExampleSet data) {
        var s = data.stats();
        return String.format(
                Locale.ROOT,
                "%,d events, %,d users, %,d exposures (train %,d = fit %,d + selection %,d, purged %,d, validation %,d), "
                        + "censored %,d, unexposed conversions %s, validation positives %s",
                s.events(),
                s.users(),
                s.exposures(),
                s.trainExamples(),
                s.fitExamples(),
                s.selectionExamples(),
                s.purgedExposures(),
                s.validationExamples(),
                s.censoredExposures(),
                s.unexposedConversions(),
                s.validationPositives());
    }
}
