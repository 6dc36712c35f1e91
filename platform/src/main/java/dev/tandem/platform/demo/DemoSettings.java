package dev.tandem.platform.demo;

import java.time.Duration;

/**
 * @param events   events to generate; ignored when {@code duration} is set
 * @param duration generate for this long (at {@code rate}); null to generate {@code events}
 * @param rate     events per second; 0 for as fast as possible
 * @param secure   the cluster with TLS, SASL/SCRAM and ACLs, every stage under its own principal
 */
public record DemoSettings(
        long events, Duration duration, double rate, long seed, int users, int items, int partitions, boolean secure) {
    public DemoSettings {
        if (events < 1 && duration == null) throw new IllegalArgumentException("events must be >= 1");
        if (rate < 0) throw new IllegalArgumentException("rate must be >= 0");
        if (partitions < 1) throw new IllegalArgumentException("partitions must be >= 1");
    }

    public boolean timed() {
        return duration != null;
    }
}
