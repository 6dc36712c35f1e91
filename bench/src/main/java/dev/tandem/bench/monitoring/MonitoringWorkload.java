package dev.tandem.bench.monitoring;

import dev.tandem.bench.BenchEnvironment;
import dev.tandem.bench.CommittedTopic;
import dev.tandem.bench.scoring.ScoringScenario;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.CandidateScore;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.PredictionTimings;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.kafka.AvroSerdes;
import dev.tandem.schemas.kafka.ProducerSettings;
import dev.tandem.schemas.kafka.SendErrors;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.topics.TopicSpec;
import dev.tandem.testkit.TopicAdmin;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The monitoring bench's input: generated {@link Prediction}s and the users' later {@link UserEvent}s, written in event
 * time order (record timestamp = request or event time, so Kafka Streams interleaves the two topics as a live app reads
 * them) into fresh topics in the registry's wire format, keyed by user.
 *
 * <p>Timeline, for the app's horizon {@code h} and grace {@code g}: requests spread uniformly over {@code 3h} from
 * {@code t0}; events of each user spread over {@code [t0, its last request + h + g + 1 h]}, its last event at that end,
 * so every task's clock passes every prediction's horizon and grace: all outcomes are graded by the clock, none drained
 * or censored. Prediction {@code n} is user {@code n mod users}'s, with {@code candidates} distinct items: half from the
 * user's own pool of 40 items, half from the catalog. Each event is, with probability 0.7, about a candidate of one of
 * the user's predictions of the last {@code h} (if any), else about a pool (2/3) or catalog item; actions VIEW 50 %,
 * CLICK 15 %, FAVORITE 5 %, CART 20 %, PURCHASE 10 %: a few percent of the candidates reach CART and fewer PURCHASE.
 * Everything up to {@code t0 + 2h} (one horizon to fill the state, then half-way through the steady part) is also written
 * to a second pair of topics, the prefix the state measurement reads.
 */
final class MonitoringWorkload {
    static final String MODEL = "bench-monitoring";
    static final String VERSION = "v1";
    static final List<String> STAGES = ScoringScenario.STAGES;
    static final int POOL = 40;
    private static final int MAX_INDEX = 1 << 25;
    private static final Action[] MIX = {
        Action.VIEW,
        Action.VIEW,
        Action.VIEW,
        Action.VIEW,
        Action.VIEW,
        Action.VIEW,
        Action.VIEW,
        Action.VIEW,
        Action.VIEW,
        Action.VIEW,
        Action.CLICK,
        Action.CLICK,
        Action.CLICK,
        Action.FAVORITE,
        Action.CART,
        Action.CART,
        Action.CART,
        Action.CART,
        Action.PURCHASE,
        Action.PURCHASE
    };

    /** The topics of one copy of the input (the whole of it, or its prefix) and their end offsets. */
    record Input(String events, String predictions, Map<TopicPartition, Long> end, long records) {}

    final int predictions;
    final int candidates;
    final int users;
    final int eventsPerUser;
    final int items;
    /** Candidate item numbers per prediction, in the prediction's order (item id {@code it-<number>}). */
    final int[][] candidateItems;

    private final long t0;
    private final long span;
    private final long cut;
    private final long[] requestTime;
    private final long[] eventTime;
    private final int[] eventItem;
    private final byte[] eventAction;
    private final long seed;

    private MonitoringWorkload(
            int predictions,
            int candidates,
            int users,
            int eventsPerUser,
            int items,
            long t0,
            long span,
            long cut,
            long seed,
            int[][] candidateItems,
            long[] requestTime,
            long[] eventTime,
            int[] eventItem,
            byte[] eventAction) {
        this.predictions = predictions;
        this.candidates = candidates;
        this.users = users;
        this.eventsPerUser = eventsPerUser;
        this.items = items;
        this.t0 = t0;
        this.span = span;
        this.cut = cut;
        this.seed = seed;
        this.candidateItems = candidateItems;
        this.requestTime = requestTime;
        this.eventTime = eventTime;
        this.eventItem = eventItem;
        this.eventAction = eventAction;
    }

    long events() {
        return eventTime.length;
    }

    long outcomes() {
        return (long) predictions * candidates;
    }

    static void validate(int predictions, int candidates, int users, int eventsPerUser) {
        if (predictions < 1 || users < 1) throw new IllegalArgumentException("--predictions and --users must be >= 1");
        if (candidates < 1 || candidates > 64)
            throw new IllegalArgumentException("--candidates must be between 1 and 64");
        if (eventsPerUser < 1) throw new IllegalArgumentException("--events-per-user must be >= 1");
        if (predictions >= MAX_INDEX || (long) users * eventsPerUser >= MAX_INDEX)
            throw new IllegalArgumentException("at most " + (MAX_INDEX - 1) + " predictions and as many events");
    }

    /** The workload of these sizes for an app with this horizon and grace; deterministic in {@code seed}. */
    static MonitoringWorkload generate(
            int predictions,
            int candidates,
            int users,
            int eventsPerUser,
            Duration horizon,
            Duration grace,
            long seed) {
        validate(predictions, candidates, users, eventsPerUser);
        long h = horizon.toMillis();
        long span = 3 * h;
        long tail = h + grace.toMillis() + Duration.ofHours(1).toMillis();
        // a day of margin behind the wall clock: the event validator refuses events ahead of it
        long t0 = System.currentTimeMillis() - span - tail - Duration.ofDays(1).toMillis();
        int items = Math.max(1_000, 2 * users);
        SplittableRandom rnd = new SplittableRandom(seed);

        int[][] pool = new int[users][POOL];
        for (int u = 0; u < users; u++) for (int j = 0; j < POOL; j++) pool[u][j] = rnd.nextInt(items);

        long[] requestTime = new long[predictions];
        int[][] candidateItems = new int[predictions][candidates];
        for (int n = 0; n < predictions; n++) {
            requestTime[n] = t0 + rnd.nextLong(span);
            int u = n % users;
            int[] c = candidateItems[n];
            for (int j = 0; j < candidates; j++) {
                int item = -1;
                // the first half from the user's pool (a few tries: the pool may hold an item twice), the rest anywhere
                for (int a = 0; j < candidates / 2 && a < 8 && (item < 0 || contains(c, j, item)); a++)
                    item = pool[u][rnd.nextInt(POOL)];
                while (item < 0 || contains(c, j, item)) item = rnd.nextInt(items);
                c[j] = item;
            }
        }

        int nEvents = users * eventsPerUser;
        long[] eventTime = new long[nEvents];
        int[] eventItem = new int[nEvents];
        byte[] eventAction = new byte[nEvents];
        for (int u = 0; u < users; u++) {
            // this user's predictions n = u, u + users, … sorted by request time
            int mine = u < predictions ? (predictions - 1 - u) / users + 1 : 0;
            long[] ts = new long[mine];
            int[] ns = new int[mine];
            long[] packed = new long[mine];
            for (int m = 0; m < mine; m++)
                packed[m] = ((requestTime[u + m * users] - t0) << 25) | (u + (long) m * users);
            Arrays.sort(packed);
            for (int m = 0; m < mine; m++) {
                ns[m] = (int) (packed[m] & (MAX_INDEX - 1));
                ts[m] = requestTime[ns[m]];
            }
            long end = (mine > 0 ? ts[mine - 1] : t0 + span) + tail;
            int base = u * eventsPerUser;
            for (int j = 0; j < eventsPerUser; j++) {
                boolean last = j == eventsPerUser - 1;
                long t = last ? end : t0 + rnd.nextLong(end - t0);
                Action a = last ? Action.VIEW : MIX[rnd.nextInt(MIX.length)];
                int item;
                // predictions of the last horizon before t: (t - h, t]
                int hi = upperBound(ts, t);
                int lo = upperBound(ts, t - h);
                if (!last && hi > lo && rnd.nextInt(10) < 7) {
                    int n = ns[lo + rnd.nextInt(hi - lo)];
                    item = candidateItems[n][rnd.nextInt(candidates)];
                } else {
                    item = rnd.nextInt(3) < 2 ? pool[u][rnd.nextInt(POOL)] : rnd.nextInt(items);
                }
                eventTime[base + j] = t;
                eventItem[base + j] = item;
                eventAction[base + j] = (byte) a.ordinal();
            }
        }
        return new MonitoringWorkload(
                predictions,
                candidates,
                users,
                eventsPerUser,
                items,
                t0,
                span,
                t0 + 2 * h,
                seed,
                candidateItems,
                requestTime,
                eventTime,
                eventItem,
                eventAction);
    }

    private static boolean contains(int[] a, int n, int v) {
        for (int i = 0; i < n; i++) if (a[i] == v) return true;
        return false;
    }

    /** The number of elements of sorted {@code a} that are ≤ {@code v}. */
    private static int upperBound(long[] a, long v) {
        int lo = 0;
        int hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] <= v) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    static String userId(int u) {
        return "mu-" + u;
    }

    static String itemId(int item) {
        return "it-" + item;
    }

    static String requestId(int n) {
        return "mr-" + n;
    }

    /** Prediction number of a request id this workload wrote, or -1. */
    static int requestNumber(String requestId) {
        if (!requestId.startsWith("mr-")) return -1;
        try {
            return Integer.parseInt(requestId, 3, requestId.length(), 10);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Index of item id {@code itemId} among prediction {@code n}'s candidates, or -1. */
    int candidateIndex(int n, String itemId) {
        if (n < 0 || n >= predictions || !itemId.startsWith("it-")) return -1;
        int item;
        try {
            item = Integer.parseInt(itemId, 3, itemId.length(), 10);
        } catch (NumberFormatException e) {
            return -1;
        }
        int[] c = candidateItems[n];
        for (int j = 0; j < c.length; j++) if (c[j] == item) return j;
        return -1;
    }

    /**
     * Writes the input: the whole of it into fresh {@code events} and {@code predictions} topics and its prefix (records
     * before {@code t0 + 2h}) into a second pair, all in event time order. Topics keep their records (retention.ms -1):
     * the timestamps are days old.
     *
     * @return the whole input, then its prefix
     */
    List<Input> prefill(BenchEnvironment env, Consumer<String> say) throws Exception {
        long started = System.nanoTime();
        String bootstrap = env.endpoints().bootstrapServers();
        String events = env.uniqueName("monitoring-events");
        String preds = env.uniqueName("monitoring-predictions");
        String prefixEvents = env.uniqueName("monitoring-prefix-events");
        String prefixPreds = env.uniqueName("monitoring-prefix-predictions");
        Map<String, String> keep = Map.of("retention.ms", "-1");
        List<TopicSpec> specs = new ArrayList<>();
        for (String t : List.of(events, preds, prefixEvents, prefixPreds))
            specs.add(new TopicSpec(t, env.partitions(), keep));
        TopicAdmin.ensureTopics(bootstrap, specs);

        // every record's sort key: (time - t0) << 26 | kind << 25 | index (kind 1 = prediction)
        int nEvents = eventTime.length;
        long[] order = new long[nEvents + predictions];
        for (int i = 0; i < nEvents; i++) order[i] = ((eventTime[i] - t0) << 26) | i;
        for (int n = 0; n < predictions; n++) order[nEvents + n] = ((requestTime[n] - t0) << 26) | (1L << 25) | n;
        Arrays.sort(order);

        SplittableRandom rnd = new SplittableRandom(seed ^ 0x5DEECE66DL);
        String registry = env.endpoints().registryUrl();
        SendErrors errors = new SendErrors();
        long prefixRecords = 0;
        try (TandemAvroSerializer<UserEvent> eventSerializer = AvroSerdes.valueSerializer(registry);
                TandemAvroSerializer<Prediction> predictionSerializer = AvroSerdes.valueSerializer(registry);
                KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                        ProducerSettings.throughput(bootstrap, "tandem-bench-monitoring-fill"),
                        new ByteArraySerializer(),
                        new ByteArraySerializer())) {
            for (long key : order) {
                int index = (int) (key & (MAX_INDEX - 1));
                boolean prediction = (key & (1L << 25)) != 0;
                long time = prediction ? requestTime[index] : eventTime[index];
                int user = prediction ? index % users : index / eventsPerUser;
                byte[] k = userId(user).getBytes(StandardCharsets.UTF_8);
                boolean inPrefix = time < cut;
                if (prediction) {
                    Prediction p = prediction(index, rnd);
                    producer.send(
                            new ProducerRecord<>(preds, null, time, k, predictionSerializer.serialize(preds, p)),
                            errors);
                    if (inPrefix)
                        producer.send(
                                new ProducerRecord<>(
                                        prefixPreds, null, time, k, predictionSerializer.serialize(prefixPreds, p)),
                                errors);
                } else {
                    UserEvent e = event(index, user);
                    producer.send(
                            new ProducerRecord<>(events, null, time, k, eventSerializer.serialize(events, e)), errors);
                    if (inPrefix)
                        producer.send(
                                new ProducerRecord<>(
                                        prefixEvents, null, time, k, eventSerializer.serialize(prefixEvents, e)),
                                errors);
                }
                if (inPrefix) prefixRecords++;
            }
            producer.flush();
        }
        errors.throwIfFailed("monitoring bench input records");
        Input whole;
        Input prefix;
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                AdminClientConfig.CLIENT_ID_CONFIG,
                "tandem-bench-monitoring"))) {
            whole = new Input(events, preds, endOffsets(admin, env, events, preds), order.length);
            prefix = new Input(
                    prefixEvents, prefixPreds, endOffsets(admin, env, prefixEvents, prefixPreds), prefixRecords);
        }
        say.accept(String.format(
                Locale.ROOT,
                "pre-filled %,d predictions × %d candidates and %,d events of %,d users (%,d items) in %.1f s; request"
                        + " times over %d h from %s; prefix of %,d records up to %s",
                predictions,
                candidates,
                nEvents,
                users,
                items,
                (System.nanoTime() - started) / 1e9,
                Duration.ofMillis(span).toHours(),
                Instant.ofEpochMilli(t0),
                prefixRecords,
                Instant.ofEpochMilli(cut)));
        return List.of(whole, prefix);
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin, BenchEnvironment env, String... topics)
            throws Exception {
        List<TopicPartition> parts = new ArrayList<>();
        for (String t : topics) for (int p = 0; p < env.partitions(); p++) parts.add(new TopicPartition(t, p));
        return CommittedTopic.endOffsets(admin, parts, IsolationLevel.READ_UNCOMMITTED);
    }

    private Prediction prediction(int n, SplittableRandom rnd) {
        long t = requestTime[n];
        List<CandidateScore> scores = new ArrayList<>(candidates);
        for (int item : candidateItems[n]) {
            float cart = (float) rnd.nextDouble(0.01, 0.5);
            scores.add(CandidateScore.newBuilder()
                    .setItemId(itemId(item))
                    .setProbabilities(List.of(cart, cart * (float) rnd.nextDouble(0.05, 0.6)))
                    .build());
        }
        return Prediction.newBuilder()
                .setRequestId(requestId(n))
                .setUserId(userId(n % users))
                .setModelName(MODEL)
                .setModelVersion(VERSION)
                .setFeaturesAsOf(Instant.ofEpochMilli(t))
                .setRequestTime(Instant.ofEpochMilli(t))
                .setStages(STAGES)
                .setCandidates(scores)
                .setTimings(PredictionTimings.newBuilder()
                        .setReceivedAt(Instant.ofEpochMilli(t))
                        .setScoredAt(Instant.ofEpochMilli(t))
                        .build())
                .build();
    }

    private UserEvent event(int i, int user) {
        int item = eventItem[i];
        return UserEvent.newBuilder()
                .setEventId("me-" + i)
                .setUserId(userId(user))
                .setItemId(itemId(item))
                .setCategoryId("cat-" + item % 200)
                .setAction(Action.values()[eventAction[i]])
                .setEventTime(Instant.ofEpochMilli(eventTime[i]))
                .build();
    }
}
