package dev.tandem.connect.sink;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * A sink task's counters, exposed twice: as a JMX MBean ({@code dev.tandem.connect:type=serving-sink,connector=C,task=N},
 * beside the worker's own Connect metrics, for a JMX exporter) and as Micrometer meters ({@code tandem.sink.*}, tagged
 * by connector and task) in the registry given, by default Micrometer's global one.
 */
public final class SinkMetrics implements SinkMetricsMBean, AutoCloseable {
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong stale = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong lastBatchMicros = new AtomicLong();
    private final AtomicLong maxBatchMicros = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final Counter writtenCounter;
    private final Counter staleCounter;
    private final Counter failureCounter;
    private final Timer batchTimer;
    private final ObjectName name;

    public SinkMetrics(String connector, int task) {
        this(connector, task, Metrics.globalRegistry);
    }

    public SinkMetrics(String connector, int task, MeterRegistry registry) {
        String[] tags = {"connector", connector, "task", Integer.toString(task)};
        writtenCounter = registry.counter("tandem.sink.records.written", tags);
        staleCounter = registry.counter("tandem.sink.records.stale", tags);
        failureCounter = registry.counter("tandem.sink.store.failures", tags);
        batchTimer = Timer.builder("tandem.sink.batch.latency")
                .tags(tags)
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        ObjectName n;
        try {
            n = new ObjectName(
                    "dev.tandem.connect:type=serving-sink,connector=" + ObjectName.quote(connector) + ",task=" + task);
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            if (server.isRegistered(n)) server.unregisterMBean(n);
            server.registerMBean(this, n);
        } catch (JMException e) {
            n = null; // metrics over JMX are a convenience: a name clash must not stop the task
        }
        name = n;
    }

    /** One batch reached the store: {@code written} stored, {@code stale} refused as older than what it held. */
    public void batch(int written, int stale, long nanos) {
        this.written.addAndGet(written);
        this.stale.addAndGet(stale);
        writtenCounter.increment(written);
        staleCounter.increment(stale);
        lastBatchMicros.set(nanos / 1000);
        maxBatchMicros.accumulateAndGet(nanos / 1000, Math::max);
        batches.incrementAndGet();
        batchTimer.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void failure() {
        failures.incrementAndGet();
        failureCounter.increment();
    }

    @Override
    public long getRecordsWritten() {
        return written.get();
    }

    @Override
    public long getRecordsSkippedStale() {
        return stale.get();
    }

    @Override
    public long getStoreFailures() {
        return failures.get();
    }

    @Override
    public long getLastBatchMicros() {
        return lastBatchMicros.get();
    }

    @Override
    public long getMaxBatchMicros() {
        return maxBatchMicros.get();
    }

    @Override
    public long getBatches() {
        return batches.get();
    }

    @Override
    public void close() {
        if (name == null) return;
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
        } catch (JMException e) {
            // already gone: nothing to release
        }
    }
}
