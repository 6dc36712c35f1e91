package dev.tandem.platform.demo;

import dev.tandem.schemas.kafka.KafkaEndpoints;
import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicLong;

/** What stages share: settings, where the cluster is, the output, the counters, and the stop flag. */
public final class DemoContext {
    private final DemoSettings settings;
    private final PrintWriter out;
    private volatile KafkaEndpoints endpoints;
    private volatile boolean stopping;
    /** Events handed to the producer so far (all acknowledged once the generator is done). */
    final AtomicLong produced = new AtomicLong();
    /** Total the generator will have produced once done; -1 while it still runs. */
    final AtomicLong producedTotal = new AtomicLong(-1);

    final AtomicLong consumed = new AtomicLong();

    public DemoContext(DemoSettings settings, PrintWriter out) {
        this.settings = settings;
        this.out = out;
    }

    public DemoSettings settings() {
        return settings;
    }

    public KafkaEndpoints endpoints() {
        KafkaEndpoints e = endpoints;
        if (e == null) throw new IllegalStateException("no cluster yet: the cluster stage must come first");
        return e;
    }

    void endpoints(KafkaEndpoints e) {
        this.endpoints = e;
    }

    public boolean stopping() {
        return stopping;
    }

    public void stop() {
        stopping = true;
    }

    public long produced() {
        return produced.get();
    }

    public long consumed() {
        return consumed.get();
    }

    public synchronized void println(String line) {
        out.println(line);
        out.flush();
    }
}
