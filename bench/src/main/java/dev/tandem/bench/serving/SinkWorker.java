package dev.tandem.bench.serving;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.bench.BenchEnvironment;
import dev.tandem.schemas.registry.RegistryClientConfig;
import dev.tandem.testkit.connect.ConnectRest;
import dev.tandem.testkit.connect.ConnectWorker;
import dev.tandem.testkit.connect.ConnectorDeployer;
import dev.tandem.testkit.connect.ConnectorFile;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * A real distributed Kafka Connect worker in this JVM ({@link ConnectWorker}, as {@code tandem connect} runs it) on the
 * bench's Kafka, with the worker settings {@code tandem connect} uses (String keys, {@code TandemAvroConverter} values,
 * read_committed sink consumers), under a group and internal topics of its own run. The Tandem sinks come from the
 * class path, the same jar the packaged plugin holds: plugin isolation changes class loading, not the work per record,
 * and an in-JVM mock registry ({@code --bootstrap} without {@code --registry}) is visible only to classes of this
 * loader.
 */
final class SinkWorker implements AutoCloseable {
    private static final Duration DEPLOY_TIMEOUT = Duration.ofSeconds(90);

    private final ConnectWorker worker;
    private final ConnectRest rest;
    private final String registryUrl;

    private SinkWorker(ConnectWorker worker, ConnectRest rest, String registryUrl) {
        this.worker = worker;
        this.rest = rest;
        this.registryUrl = registryUrl;
    }

    /**
     * The connector keys of the sinks' recommended set-up: values handed over as bytes and decoded by the sink itself
     * (skipping Connect's data model), through the bench's registry.
     */
    Map<String, String> rawValues() {
        return Map.of(
                "value.converter",
                "org.apache.kafka.connect.converters.ByteArrayConverter",
                "schema.registry.url",
                registryUrl);
    }

    static SinkWorker start(BenchEnvironment env) throws InterruptedException {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("bootstrap.servers", env.endpoints().bootstrapServers());
        p.put("group.id", env.uniqueName("serving-connect"));
        p.put("config.storage.topic", env.uniqueName("serving-connect-configs"));
        p.put("offset.storage.topic", env.uniqueName("serving-connect-offsets"));
        p.put("status.storage.topic", env.uniqueName("serving-connect-status"));
        p.put("config.storage.replication.factor", "1");
        p.put("offset.storage.replication.factor", "1");
        p.put("status.storage.replication.factor", "1");
        // one partition each: the default 25 offset partitions only slow the start on a one-broker cluster
        p.put("offset.storage.partitions", "1");
        p.put("status.storage.partitions", "1");
        p.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        p.put("value.converter", "dev.tandem.connect.avro.TandemAvroConverter");
        p.put("value.converter." + RegistryClientConfig.URL, env.endpoints().registryUrl());
        p.put("listeners", "http://127.0.0.1:0");
        p.put("rest.advertised.host.name", "127.0.0.1");
        p.put("plugin.discovery", "service_load");
        // the scoring job writes in transactions: a sink must see committed predictions only (as tandem connect)
        p.put("consumer.isolation.level", "read_committed");
        ConnectWorker worker = ConnectWorker.start(p);
        try {
            ConnectRest rest = new ConnectRest(worker.restUrl(), Duration.ofSeconds(30));
            rest.awaitHealthy(Duration.ofSeconds(90), () -> worker.failure().orElse(null));
            return new SinkWorker(worker, rest, env.endpoints().registryUrl());
        } catch (RuntimeException | InterruptedException e) {
            worker.close();
            throw e;
        }
    }

    /** Creates the connector and returns once it and all its tasks run. */
    void deploy(String name, Map<String, String> config, Consumer<String> say) throws Exception {
        new ConnectorDeployer(rest, () -> worker.failure().orElse(null), null)
                .deploy(List.of(new ConnectorFile(Path.of(name), name, config)), DEPLOY_TIMEOUT, say);
    }

    /** Stops and removes the connector, and waits until the worker no longer knows it. */
    void delete(String name) throws Exception {
        rest.deleteConnector(name);
        long deadline = System.nanoTime() + DEPLOY_TIMEOUT.toNanos();
        while (rest.status(name).status() != 404) {
            if (System.nanoTime() > deadline)
                throw new IllegalStateException("connector " + name + " was not removed within 90 s");
            Thread.sleep(100);
        }
    }

    /** The first failed connector or task state with its trace's first line, or null while they run. */
    String failure(String name) {
        String w = worker.failure().orElse(null);
        if (w != null) return w;
        try {
            JsonNode s = rest.status(name).json();
            if (s == null) return null;
            if ("FAILED".equals(s.path("connector").path("state").asText()))
                return "connector " + name + " FAILED: "
                        + firstLine(s.path("connector").path("trace").asText());
            for (JsonNode t : s.path("tasks"))
                if ("FAILED".equals(t.path("state").asText()))
                    return "connector " + name + " task " + t.path("id").asInt() + " FAILED: "
                            + firstLine(t.path("trace").asText());
            return null;
        } catch (Exception e) {
            return null;
        }
    }

    private static String firstLine(String trace) {
        return trace.strip().lines().findFirst().orElse("");
    }

    /**
     * Records the Tandem sink tasks of connector {@code name} stored, stale ones included (their {@code SinkMetrics}
     * MBeans): every record a task has handed to the store and seen acknowledged.
     */
    static long recordsStored(String name) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        long n = 0;
        for (ObjectName o : server.queryNames(
                new ObjectName("dev.tandem.connect:type=serving-sink,connector=" + ObjectName.quote(name) + ",task=*"),
                null)) {
            n += (Long) server.getAttribute(o, "RecordsWritten") + (Long) server.getAttribute(o, "RecordsSkippedStale");
        }
        return n;
    }

    /** The slowest batch of any task of connector {@code name} (decode to store acknowledgement), and how many batches. */
    static long[] slowestBatchMicros(String name) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        long max = 0;
        long batches = 0;
        for (ObjectName o : server.queryNames(
                new ObjectName("dev.tandem.connect:type=serving-sink,connector=" + ObjectName.quote(name) + ",task=*"),
                null)) {
            max = Math.max(max, (Long) server.getAttribute(o, "MaxBatchMicros"));
            batches += (Long) server.getAttribute(o, "Batches");
        }
        return new long[] {max, batches};
    }

    @Override
    public void close() {
        worker.close();
    }
}
