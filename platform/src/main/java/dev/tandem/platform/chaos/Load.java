package dev.tandem.platform.chaos;

import dev.tandem.datasets.generator.GeneratedEvent;
import dev.tandem.datasets.generator.SyntheticWorld;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.Candidate;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.topics.TandemTopics;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The steady input of a chaos run, on its own thread: the catalog, then generated events and scoring requests at
 * fixed rates, with an invalid event (unknown action) and an undecodable request mixed in at fixed intervals. What
 * the broker acknowledged is recorded, in send order, for the reconciliation: a record whose send failed is not
 * expected anywhere. The producer is idempotent and waits out a broker restart instead of failing.
 */
final class Load implements AutoCloseable {
    /** What the broker acknowledged. */
    record Sent(
            List<UserEvent> events,
            List<String> invalidEventIds,
            List<ScoringRequest> requests,
            long badRequests,
            long failedSends) {}

    private static final int CANDIDATES = 5;

    private final ChaosSettings settings;
    private final SyntheticWorld world;
    private final KafkaProducer<byte[], byte[]> producer;
    private final TandemAvroSerializer<Object> serializer;
    private final Random random;

    private final ConcurrentLinkedQueue<UserEvent> ackedEvents = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> ackedInvalid = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<ScoringRequest> ackedRequests = new ConcurrentLinkedQueue<>();
    private final AtomicLong ackedBadRequests = new AtomicLong();
    private final AtomicLong failedSends = new AtomicLong();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private volatile boolean stopping;
    private Thread thread;

    Load(
            ChaosSettings settings,
            SyntheticWorld world,
            String bootstrapServers,
            Map<String, String> clientProperties,
            SchemaRegistryClient registry) {
        this.settings = settings;
        this.world = world;
        Map<String, Object> p = new LinkedHashMap<>(clientProperties);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        // a killed broker is restarted within seconds: block and retry through it rather than drop input
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 300_000);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 300_000);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "tandem-chaos-load");
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        this.serializer = new TandemAvroSerializer<>(registry, false);
        this.random = new Random(settings.seed() * 31 + 7);
    }

    void start() {
        thread = new Thread(
                () -> {
                    try {
                        run();
                    } catch (Exception e) {
                        if (!stopping) failure.set(e);
                    }
                },
                "tandem-chaos-load");
        thread.setDaemon(true);
        thread.start();
    }

    /** A failure of the load thread itself (not of a send), or null. */
    Exception failure() {
        return failure.get();
    }

    long acknowledgedEvents() {
        return ackedEvents.size();
    }

    long acknowledgedRequests() {
        return ackedRequests.size();
    }

    private void run() {
        for (ItemMetadata item : world.catalog().itemMetadata()) send(TandemTopics.ITEMS, item.getItemId(), item, null);
        producer.flush();
        Iterator<GeneratedEvent> events = world.events();
        List<String> users = new ArrayList<>();
        Map<String, List<String>> recentItems = new LinkedHashMap<>();
        List<ItemMetadata> catalog = world.catalog().itemMetadata();
        long t0 = System.nanoTime();
        long nanosPerEvent = 1_000_000_000L / settings.eventsPerSecond();
        long nanosPerRequest = 1_000_000_000L / settings.requestsPerSecond();
        long events0 = 0;
        long requests0 = 0;
        long lastEventTime = 0;
        while (!stopping && events.hasNext()) {
            long now = System.nanoTime() - t0;
            if (now >= events0 * nanosPerEvent) {
                UserEvent e = events.next().toUserEvent();
                lastEventTime = e.getEventTime().toEpochMilli();
                if (!recentItems.containsKey(e.getUserId())) users.add(e.getUserId());
                List<String> recent = recentItems.computeIfAbsent(e.getUserId(), u -> new ArrayList<>());
                recent.add(e.getItemId());
                if (recent.size() > CANDIDATES) recent.remove(0);
                send(TandemTopics.EVENTS, e.getUserId(), e, () -> ackedEvents.add(e));
                events0++;
                if (events0 % settings.invalidEvery() == 0) {
                    UserEvent bad = UserEvent.newBuilder(e)
                            .setEventId("invalid-" + e.getEventId())
                            .setAction(Action.UNKNOWN)
                            .build();
                    send(TandemTopics.EVENTS, bad.getUserId(), bad, () -> ackedInvalid.add(bad.getEventId()));
                }
                continue;
            }
            if (now >= requests0 * nanosPerRequest && !users.isEmpty()) {
                String user = users.get(random.nextInt(users.size()));
                List<Candidate> candidates = new ArrayList<>();
                // distinct items, as a ranking service asks: an outcome is graded per (request, item)
                java.util.LinkedHashSet<String> distinct = new java.util.LinkedHashSet<>(recentItems.get(user));
                while (distinct.size() < Math.min(CANDIDATES, catalog.size()))
                    distinct.add(catalog.get(random.nextInt(catalog.size())).getItemId());
                List<String> ids = new ArrayList<>(distinct);
                Collections.shuffle(ids, random);
                for (String id : ids)
                    candidates.add(Candidate.newBuilder().setItemId(id).build());
                // the request happens "now" on the events' clock, so monitoring's horizons pass as events flow
                ScoringRequest r = ScoringRequest.newBuilder()
                        .setRequestId("chaos-" + requests0)
                        .setUserId(user)
                        .setRequestTime(Instant.ofEpochMilli(lastEventTime + 1))
                        .setCandidates(candidates)
                        .build();
                send(TandemTopics.SCORING_REQUESTS, user, r, () -> ackedRequests.add(r));
                requests0++;
                if (requests0 % settings.badRequestEvery() == 0)
                    sendRaw(
                            TandemTopics.SCORING_REQUESTS,
                            ("bad-" + requests0).getBytes(StandardCharsets.UTF_8),
                            new byte[] {9, 9, 9},
                            ackedBadRequests::incrementAndGet);
                continue;
            }
            long next = Math.min(events0 * nanosPerEvent, requests0 * nanosPerRequest);
            long wait = next - (System.nanoTime() - t0);
            if (wait > 100_000) LockSupport.parkNanos(wait);
        }
    }

    private void send(String topic, String key, Object value, Runnable onAck) {
        sendRaw(topic, key.getBytes(StandardCharsets.UTF_8), serializer.serialize(topic, value), onAck);
    }

    private void sendRaw(String topic, byte[] key, byte[] value, Runnable onAck) {
        producer.send(new ProducerRecord<>(topic, key, value), (md, e) -> {
            if (e != null) failedSends.incrementAndGet();
            else if (onAck != null) onAck.run();
        });
    }

    /** Stops sending, waits for every acknowledgement, and returns what the broker took. */
    Sent finish() throws InterruptedException {
        stopping = true;
        if (thread != null) thread.join(60_000);
        producer.flush();
        return sent();
    }

    /**
     * What was acknowledged so far. Acknowledgements arrive per partition in send order, so within a user (one
     * partition) the order is the send order; across users it does not matter.
     */
    Sent sent() {
        return new Sent(
                List.copyOf(ackedEvents),
                List.copyOf(ackedInvalid),
                List.copyOf(ackedRequests),
                ackedBadRequests.get(),
                failedSends.get());
    }

    @Override
    public void close() {
        stopping = true;
        producer.close(java.time.Duration.ofSeconds(10));
        serializer.close();
    }
}
