package dev.tandem.bench.monitoring;

import dev.tandem.bench.CommittedTopic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Counts a run's outcomes as a {@code read_committed} consumer sees them arrive (records only, nothing decoded: it shares
 * the cores with the run), and notes when the count first reaches 10 % of the expected outcomes and when it reaches all
 * of them. Both runs of the bench are timed by one of these, alike.
 */
final class OutcomeWatch implements AutoCloseable {
    /** A count of outcomes seen, and when (System.nanoTime()). */
    record Mark(long nanos, long count) {}

    private final String bootstrap;
    private final String topic;
    private final int partitions;
    private final long expected;
    private final long started = System.nanoTime();
    private final Thread thread;
    private volatile Mark from;
    private volatile Mark done;
    private volatile Throwable failure;
    private volatile boolean stop;

    OutcomeWatch(String bootstrap, String topic, int partitions, long expected) {
        this.bootstrap = bootstrap;
        this.topic = topic;
        this.partitions = partitions;
        this.expected = expected;
        this.thread = new Thread(this::run, "tandem-bench-monitoring-watch");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try (KafkaConsumer<byte[], byte[]> c = CommittedTopic.consumer(bootstrap, "tandem-bench-monitoring-watch")) {
            List<TopicPartition> parts = new ArrayList<>();
            for (int p = 0; p < partitions; p++) parts.add(new TopicPartition(topic, p));
            c.assign(parts);
            c.seekToBeginning(parts);
            long tenth = Math.max(1, expected / 10);
            long count = 0;
            while (!stop) {
                count += c.poll(Duration.ofMillis(100)).count();
                Mark m = new Mark(System.nanoTime(), count);
                if (from == null && count >= tenth) from = m;
                if (count >= expected) {
                    done = m;
                    return;
                }
            }
        } catch (Throwable t) {
            failure = t;
        }
    }

    /**
     * Waits until every expected outcome was seen and returns the timed window: from the first count at or past 10 %
     * to the last. When the first count seen was already all of them (a tiny run), from the watch's start.
     *
     * @param failed what went wrong with the run being watched, or null while it is fine
     */
    Mark[] awaitAll(Duration timeout, Supplier<String> failed) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (done == null) {
            if (failure != null) throw new IllegalStateException("outcome counter failed: " + failure, failure);
            String why = failed.get();
            if (why != null) throw new IllegalStateException(why + " (" + seen() + ")");
            if (System.nanoTime() > deadline)
                throw new IllegalStateException(
                        "not all outcomes within " + timeout.toSeconds() + " s (" + seen() + ")");
            TimeUnit.MILLISECONDS.sleep(20);
        }
        Mark start = from.count() >= expected ? new Mark(started, 0) : from;
        return new Mark[] {start, done};
    }

    private String seen() {
        Mark f = from;
        return "expected " + expected + " outcomes; " + (f == null ? "fewer than 10 % seen" : "10 % seen");
    }

    /** Seconds since the watch started. */
    double secondsSinceStart(Mark m) {
        return (m.nanos() - started) / 1e9;
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.join(TimeUnit.SECONDS.toMillis(30));
    }
}
