package dev.tandem.platform.chaos;

import dev.tandem.features.funnel.Funnel;
import dev.tandem.features.funnel.FunnelLabels;
import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.features.sequence.BehaviourSequence;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.features.sequence.SequenceUpdater;
import dev.tandem.features.validation.EventValidator;
import dev.tandem.features.validation.InvalidEventException;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.PredictionOutcome;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.topics.DeadLetterHeaders;
import dev.tandem.schemas.topics.TandemTopics;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;

/**
 * The exact accounting at the end of a chaos run, from what the broker acknowledged ({@link Load.Sent}) and what
 * is committed on the output topics and in the serving store:
 * <ul>
 *   <li>features: per user, each {@code sequence_version} from 1 to the offline replay's (same validation, same
 *       {@link SequenceUpdater}) on {@code user-features} exactly once, and the last one equal to the replay's;</li>
 *   <li>predictions: one committed prediction per acknowledged request;</li>
 *   <li>store: per user, the newest committed prediction (request time, then request id);</li>
 *   <li>outcomes: each (request, candidate) graded at most once, of a committed prediction, and every final
 *       (uncensored) outcome equal to {@link FunnelLabels}' recount over the user's acknowledged events;</li>
 *   <li>dead letters: the invalid events and undecodable requests that were sent, each exactly once.</li>
 * </ul>
 */
final class Reconcile {
    record Result(
            long featuresExpected,
            long featuresLost,
            long featuresDuplicated,
            long usersWithOtherFeatures,
            long predictionsLost,
            long predictionsDuplicated,
            long storeStaleUsers,
            long outcomes,
            long outcomesFinal,
            long outcomesMismatched,
            long deadLettersExpected,
            long deadLettersSeen,
            long deadLettersMismatched,
            List<String> examples) {}

    private final String bootstrapServers;
    private final Map<String, String> clientProperties;
    private final SchemaRegistryClient registry;
    private final List<String> examples = new ArrayList<>();

    Reconcile(String bootstrapServers, Map<String, String> clientProperties, SchemaRegistryClient registry) {
        this.bootstrapServers = bootstrapServers;
        this.clientProperties = Map.copyOf(clientProperties);
        this.registry = registry;
    }

    Result run(
            Load.Sent sent,
            SequencePolicy policy,
            Duration maxClockSkew,
            Funnel funnel,
            String storeUrl,
            String storeTable)
            throws SQLException {
        // ---- features
        EventValidator validator = new EventValidator(policy.maxIdLength(), maxClockSkew.toMillis());
        Map<String, BehaviourSequence> offline = new LinkedHashMap<>();
        Map<String, List<BehaviourEvent>> eventsByUser = new HashMap<>();
        long now = System.currentTimeMillis();
        for (UserEvent e : sent.events()) {
            try {
                validator.validate(e.getUserId(), e, now);
            } catch (InvalidEventException ex) {
                continue;
            }
            SequenceUpdater.apply(offline.computeIfAbsent(e.getUserId(), u -> new BehaviourSequence(policy)), e);
            eventsByUser
                    .computeIfAbsent(e.getUserId(), u -> new ArrayList<>())
                    .add(new BehaviourEvent(
                            e.getEventId(),
                            e.getItemId(),
                            e.getCategoryId(),
                            e.getAction(),
                            e.getEventTime().toEpochMilli()));
        }
        long featuresExpected = offline.values().stream()
                .mapToLong(BehaviourSequence::sequenceVersion)
                .sum();
        Map<String, Map<Long, Integer>> versions = new HashMap<>();
        Map<String, UserFeatures> latest = new HashMap<>();
        try (TandemAvroDeserializer<UserFeatures> de =
                new TandemAvroDeserializer<>(UserFeatures.class, registry, false)) {
            readCommitted(TandemTopics.USER_FEATURES, r -> {
                if (r.value() == null) return;
                String user = new String(r.key(), StandardCharsets.UTF_8);
                UserFeatures f = de.deserialize(r.topic(), r.value());
                latest.put(user, f);
                versions.computeIfAbsent(user, u -> new HashMap<>()).merge(f.getSequenceVersion(), 1, Integer::sum);
            });
        }
        long featuresLost = 0;
        long featuresDuplicated = 0;
        for (Map.Entry<String, BehaviourSequence> e : offline.entrySet()) {
            Map<Long, Integer> seen = versions.getOrDefault(e.getKey(), Map.of());
            for (long v = 1; v <= e.getValue().sequenceVersion(); v++) {
                int n = seen.getOrDefault(v, 0);
                if (n == 0) featuresLost++;
                if (n > 1) featuresDuplicated += n - 1;
                if (n != 1) example("features: user " + e.getKey() + " version " + v + " has " + n + " records");
            }
        }
        for (Map.Entry<String, Map<Long, Integer>> e : versions.entrySet()) {
            BehaviourSequence s = offline.get(e.getKey());
            long max = s == null ? 0 : s.sequenceVersion();
            for (Map.Entry<Long, Integer> v : e.getValue().entrySet())
                if (v.getKey() < 1 || v.getKey() > max) {
                    featuresDuplicated += v.getValue();
                    example("features: user " + e.getKey() + " has version " + v.getKey() + ", replay reached " + max);
                }
        }
        long otherFeatures = 0;
        for (Map.Entry<String, BehaviourSequence> e : offline.entrySet()) {
            if (!e.getValue().toUserFeatures(e.getKey()).equals(latest.get(e.getKey()))) {
                otherFeatures++;
                example("features: user " + e.getKey() + "'s latest features differ from the replay's");
            }
        }

        // ---- predictions, and the newest per user
        Map<String, ScoringRequest> requests = new HashMap<>();
        for (ScoringRequest r : sent.requests()) requests.put(r.getRequestId(), r);
        Map<String, Integer> predicted = new HashMap<>();
        Map<String, Prediction> newest = new HashMap<>();
        Map<String, Prediction> byRequest = new HashMap<>();
        try (TandemAvroDeserializer<Prediction> de = new TandemAvroDeserializer<>(Prediction.class, registry, false)) {
            readCommitted(TandemTopics.PREDICTIONS, r -> {
                Prediction p = de.deserialize(r.topic(), r.value());
                predicted.merge(p.getRequestId(), 1, Integer::sum);
                byRequest.putIfAbsent(p.getRequestId(), p);
                newest.merge(p.getUserId(), p, (a, b) -> newer(b, a) ? b : a);
            });
        }
        long predictionsLost = 0;
        long predictionsDuplicated = 0;
        for (String id : requests.keySet()) {
            int n = predicted.getOrDefault(id, 0);
            if (n == 0) {
                predictionsLost++;
                example("predictions: request " + id + " has none");
            }
            if (n > 1) {
                predictionsDuplicated += n - 1;
                example("predictions: request " + id + " has " + n);
            }
        }
        for (String id : predicted.keySet())
            if (!requests.containsKey(id)) {
                predictionsDuplicated += predicted.get(id);
                example("predictions: request " + id + " was never acknowledged");
            }

        // ---- the serving store
        Map<String, String[]> stored = new HashMap<>();
        try (Connection c = DriverManager.getConnection(storeUrl);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT user_id, request_time, request_id FROM " + storeTable)) {
            while (rs.next()) stored.put(rs.getString(1), new String[] {Long.toString(rs.getLong(2)), rs.getString(3)});
        }
        long stale = 0;
        for (Map.Entry<String, Prediction> e : newest.entrySet()) {
            String[] row = stored.get(e.getKey());
            Prediction p = e.getValue();
            if (row == null
                    || Long.parseLong(row[0]) != p.getRequestTime().toEpochMilli()
                    || !row[1].equals(p.getRequestId())) {
                stale++;
                example("store: user " + e.getKey() + " holds " + (row == null ? "nothing" : row[1]) + ", newest is "
                        + p.getRequestId());
            }
        }

        // ---- outcomes
        FunnelLabels<BehaviourEvent> labels = FunnelLabels.of(funnel);
        Set<String> graded = new HashSet<>();
        long[] outcomes = {0, 0, 0};
        try (TandemAvroDeserializer<PredictionOutcome> de =
                new TandemAvroDeserializer<>(PredictionOutcome.class, registry, false)) {
            readCommitted(TandemTopics.PREDICTION_OUTCOMES, r -> {
                PredictionOutcome o = de.deserialize(r.topic(), r.value());
                outcomes[0]++;
                // a shadow version's outcome of the same request and item is its own, not a second grading
                String key = o.getRequestId() + "/" + o.getModelVersion() + "/" + o.getItemId();
                if (!graded.add(key)) {
                    outcomes[2]++;
                    example("outcomes: " + key + " graded twice");
                    return;
                }
                if (!byRequest.containsKey(o.getRequestId())) {
                    outcomes[2]++;
                    example("outcomes: " + key + " grades no committed prediction");
                    return;
                }
                if (o.getCensored()) return;
                outcomes[1]++;
                int reached = labels.reachedStage(
                        o.getRequestTime().toEpochMilli(),
                        o.getItemId(),
                        eventsByUser.getOrDefault(o.getUserId(), List.of()));
                for (int k = 0; k < o.getStages().size(); k++) {
                    boolean expected =
                            funnel.stageOf(Action.valueOf(o.getStages().get(k))) <= reached;
                    if (o.getReached().get(k) != expected) {
                        outcomes[2]++;
                        example("outcomes: " + key + " stage " + o.getStages().get(k) + " reached="
                                + o.getReached().get(k) + ", the recount says " + expected);
                        break;
                    }
                }
            });
        }

        // ---- dead letters: the injected ones, each once
        Set<String> invalid = new HashSet<>(sent.invalidEventIds());
        Map<String, Integer> deadEvents = new HashMap<>();
        long[] dead = {0, 0, 0}; // all, from scoring-requests, from elsewhere
        try (TandemAvroDeserializer<UserEvent> de = new TandemAvroDeserializer<>(UserEvent.class, registry, false)) {
            readCommitted(TandemTopics.DEAD_LETTERS, r -> {
                dead[0]++;
                String source = header(r, DeadLetterHeaders.TOPIC);
                if (TandemTopics.EVENTS.equals(source)) {
                    deadEvents.merge(de.deserialize(source, r.value()).getEventId(), 1, Integer::sum);
                } else if (TandemTopics.SCORING_REQUESTS.equals(source)) {
                    dead[1]++;
                } else {
                    dead[2]++;
                    example("dead letters: one from " + source + " (" + header(r, DeadLetterHeaders.REASON) + ")");
                }
            });
        }
        // exact, not only the total: each injected event once by id, no valid event, the undecodable requests
        long deadMismatched = dead[2] + Math.abs(dead[1] - sent.badRequests());
        for (Map.Entry<String, Integer> e : deadEvents.entrySet())
            if (!invalid.contains(e.getKey()) || e.getValue() != 1) {
                deadMismatched += invalid.contains(e.getKey()) ? e.getValue() - 1 : e.getValue();
                example("dead letters: event " + e.getKey() + " " + e.getValue() + " times");
            }
        for (String id : invalid)
            if (!deadEvents.containsKey(id)) {
                deadMismatched++;
                example("dead letters: invalid event " + id + " has none");
            }
        long expectedDead = invalid.size() + sent.badRequests();
        return new Result(
                featuresExpected,
                featuresLost,
                featuresDuplicated,
                otherFeatures,
                predictionsLost,
                predictionsDuplicated,
                stale,
                outcomes[0],
                outcomes[1],
                outcomes[2],
                expectedDead,
                dead[0],
                deadMismatched,
                List.copyOf(examples));
    }

    /** Newest by request time, ties broken by request id: the order the sinks keep. */
    static boolean newer(Prediction a, Prediction b) {
        int c = a.getRequestTime().compareTo(b.getRequestTime());
        return c != 0 ? c > 0 : a.getRequestId().compareTo(b.getRequestId()) > 0;
    }

    private void example(String s) {
        if (examples.size() < 20) examples.add(s);
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** Every committed record of {@code topic}, up to its last stable offsets when the read starts. */
    private void readCommitted(String topic, Consumer<ConsumerRecord<byte[], byte[]>> each) {
        try (KafkaConsumer<byte[], byte[]> c =
                Outputs.consumer(bootstrapServers, clientProperties, "tandem-chaos-reconcile")) {
            List<TopicPartition> tps = new ArrayList<>();
            for (PartitionInfo p : c.partitionsFor(topic)) tps.add(new TopicPartition(topic, p.partition()));
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline)
                    throw new IllegalStateException("reading " + topic + " to its end took over 2 minutes");
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) each.accept(r);
            }
        }
    }
}
