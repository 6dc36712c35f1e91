package dev.tandem.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * This JVM's stop-the-world collections while it is open (the JVM's own GC notifications, no agent): how many, the
 * longest and their sum. A latency tail of a server in this JVM that matches them is the collector, not the code.
 * Concurrent cycles (G1's and ZGC's "Concurrent" collectors) are not pauses and are left out.
 */
public final class GcPauses implements AutoCloseable {
    /** @param count pauses; @param maxMs the longest; @param totalMs their sum */
    public record Summary(int count, double maxMs, double totalMs) {}

    private final List<Long> pausesMs = new ArrayList<>();
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final NotificationListener listener = this::handle;

    public static GcPauses start() {
        GcPauses g = new GcPauses();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter e) {
                e.addNotificationListener(g.listener, null, null);
                g.emitters.add(e);
            }
        }
        return g;
    }

    private void handle(Notification n, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) return;
        GarbageCollectionNotificationInfo info =
                GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
        if (info.getGcName().contains("Concurrent")) return;
        synchronized (pausesMs) {
            pausesMs.add(info.getGcInfo().getDuration());
        }
    }

    /** The pauses so far. */
    public Summary summary() {
        synchronized (pausesMs) {
            long max = 0;
            long total = 0;
            for (long p : pausesMs) {
                max = Math.max(max, p);
                total += p;
            }
            return new Summary(pausesMs.size(), max, total);
        }
    }

    @Override
    public void close() {
        for (NotificationEmitter e : emitters) {
            try {
                e.removeNotificationListener(listener);
            } catch (ListenerNotFoundException ignored) {
                // already gone
            }
        }
    }
}
