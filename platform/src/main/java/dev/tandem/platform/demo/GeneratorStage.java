package dev.tandem.platform.demo;

import dev.tandem.datasets.generator.GeneratedEvent;
import dev.tandem.datasets.generator.GeneratorConfig;
import dev.tandem.datasets.generator.SyntheticWorld;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.kafka.AvroProducer;
import dev.tandem.schemas.topics.TandemTopics;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Sends the synthetic catalog to {@code items} and synthetic events to {@code events}, on its own thread. */
public final class GeneratorStage implements DemoStage {
    private Thread thread;
    private volatile Exception failure;

    @Override
    public String name() {
        return "generator";
    }

    @Override
    public void start(DemoContext ctx) {
        DemoSettings s = ctx.settings();
        long events = s.timed() ? Long.MAX_VALUE : s.events();
        SyntheticWorld world = SyntheticWorld.create(GeneratorConfig.of(s.users(), s.items(), events, s.seed()));
        thread = new Thread(
                () -> {
                    try {
                        produce(ctx, world);
                    } catch (Exception e) {
                        failure = e;
                        ctx.stop();
                    }
                },
                "tandem-demo-generator");
        thread.setDaemon(true);
        thread.start();
    }

    private static void produce(DemoContext ctx, SyntheticWorld world) {
        DemoSettings s = ctx.settings();
        long deadline = s.timed() ? System.nanoTime() + s.duration().toNanos() : Long.MAX_VALUE;
        double nanosPerEvent = s.rate() > 0 ? 1e9 / s.rate() : 0;
        long sent = 0;
        try (AvroProducer producer = new AvroProducer(ctx.endpoints(), "tandem-demo-generator")) {
            for (ItemMetadata item : world.catalog().itemMetadata())
                producer.send(TandemTopics.ITEMS, item.getItemId(), item);
            producer.flush();
            long t0 = System.nanoTime();
            Iterator<GeneratedEvent> it = world.events();
            while (it.hasNext() && !ctx.stopping() && System.nanoTime() < deadline) {
                GeneratedEvent e = it.next();
                producer.send(TandemTopics.EVENTS, e.userId(), e.toUserEvent());
                sent++;
                if (nanosPerEvent > 0) {
                    long wait = t0 + (long) (sent * nanosPerEvent) - System.nanoTime();
                    if (wait > 1_000_000) LockSupport.parkNanos(wait);
                }
                ctx.produced.lazySet(sent);
            }
            // Fails if any send failed, so "produced" below counts acknowledged events only.
            producer.flush();
            ctx.produced.set(sent);
        }
        ctx.producedTotal.set(sent);
    }

    @Override
    public void awaitDone(DemoContext ctx) throws Exception {
        while (thread.isAlive() && !ctx.stopping()) thread.join(100);
        if (failure != null) throw failure;
    }

    @Override
    public void close() throws InterruptedException {
        if (thread != null) {
            thread.join(TimeUnit.SECONDS.toMillis(35));
        }
    }
}
