package dev.tandem.platform.demo;

import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.kafka.AvroSerdes;
import dev.tandem.schemas.topics.TandemTopics;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads the events topic back like any downstream app would (Avro through the registry), prints
 * the first few decoded events and, every second, how many were produced and consumed and at
 * what rate. Done when it has read everything the generator sent.
 */
public final class LiveViewStage implements DemoStage {
    static final int SAMPLES = 5;
    private static final Duration CATCH_UP_TIMEOUT = Duration.ofSeconds(60);

    private KafkaConsumer<String, UserEvent> consumer;
    private Thread thread;
    private volatile Exception failure;

    @Override
    public String name() {
        return "live view";
    }

    @Override
    public void start(DemoContext ctx) {
        Map<String, Object> props = ctx.endpoints()
                .client(Map.of(
                        // under the CLI's group prefix, which a secured cluster's ACLs grant its principal
                        ConsumerConfig.GROUP_ID_CONFIG, "tandem-cli-demo-live-view",
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                        ConsumerConfig.CLIENT_ID_CONFIG, "tandem-demo-live-view"));
        consumer = new KafkaConsumer<>(
                props,
                new StringDeserializer(),
                AvroSerdes.<UserEvent>valueDeserializer(
                        ctx.endpoints().registryUrl(), ctx.endpoints().registryConfigs()));
        consumer.subscribe(List.of(TandemTopics.EVENTS));
        thread = new Thread(
                () -> {
                    try {
                        consume(ctx);
                    } catch (WakeupException e) {
                        // close() woke us up
                    } catch (Exception e) {
                        failure = e;
                        ctx.stop();
                    }
                },
                "tandem-demo-live-view");
        thread.setDaemon(true);
        thread.start();
    }

    private void consume(DemoContext ctx) {
        long samples = 0;
        long lastReport = System.nanoTime();
        long lastConsumed = 0;
        while (!ctx.stopping()) {
            ConsumerRecords<String, UserEvent> records = consumer.poll(Duration.ofMillis(200));
            for (ConsumerRecord<String, UserEvent> r : records) {
                if (samples++ < SAMPLES) ctx.println("  event: " + describe(r.key(), r.value()));
            }
            long consumed = ctx.consumed.addAndGet(records.count());
            long now = System.nanoTime();
            if (now - lastReport >= 1_000_000_000L) {
                double rate = (consumed - lastConsumed) / ((now - lastReport) / 1e9);
                ctx.println(String.format(
                        Locale.ROOT, "sent %,d  consumed %,d  %,.0f events/s", ctx.produced(), consumed, rate));
                lastReport = now;
                lastConsumed = consumed;
            }
            long total = ctx.producedTotal.get();
            if (total >= 0 && consumed >= total) return;
        }
    }

    static String describe(String key, UserEvent e) {
        return String.format(
                Locale.ROOT,
                "key=%s %s user %s %s item %s (category %s)%s [%s]",
                key,
                e.getEventTime(),
                e.getUserId(),
                e.getAction(),
                e.getItemId(),
                e.getCategoryId(),
                e.getPrice() == null ? "" : String.format(Locale.ROOT, " price %.2f", e.getPrice()),
                e.getEventId());
    }

    @Override
    public void awaitDone(DemoContext ctx) throws Exception {
        long giveUp = Long.MAX_VALUE;
        while (thread.isAlive() && !ctx.stopping()) {
            thread.join(100);
            if (ctx.producedTotal.get() >= 0 && giveUp == Long.MAX_VALUE)
                giveUp = System.nanoTime() + CATCH_UP_TIMEOUT.toNanos();
            if (System.nanoTime() > giveUp) {
                throw new IllegalStateException("the live view read " + ctx.consumed() + " of "
                        + ctx.producedTotal.get() + " events within " + CATCH_UP_TIMEOUT.toSeconds() + " s");
            }
        }
        if (failure != null) throw failure;
        ctx.println(
                String.format(Locale.ROOT, "done: produced %,d, consumed %,d events", ctx.produced(), ctx.consumed()));
    }

    @Override
    public void close() throws InterruptedException {
        if (consumer == null) return;
        consumer.wakeup();
        if (thread != null) thread.join(10_000);
        consumer.close(Duration.ofSeconds(5));
        consumer = null;
    }
}
