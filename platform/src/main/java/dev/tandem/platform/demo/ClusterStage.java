package dev.tandem.platform.demo;

import dev.tandem.schemas.kafka.KafkaEndpoints;
import dev.tandem.testkit.DevCluster;
import dev.tandem.testkit.FileTrees;
import dev.tandem.testkit.KafkaAcls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A throwaway cluster for the demo: broker in a child JVM, registry and topics, on free ports in
 * a temp dir, so it never collides with a running {@code tandem dev-cluster}; removed on close.
 */
public final class ClusterStage implements DemoStage {
    private DevCluster cluster;
    private Path dir;

    @Override
    public String name() {
        return "cluster";
    }

    @Override
    public void start(DemoContext ctx) throws Exception {
        dir = Files.createTempDirectory("tandem-demo-");
        boolean secure = ctx.settings().secure();
        ctx.println("starting a Kafka broker (child JVM" + (secure ? ", TLS + SASL/SCRAM + ACLs" : "")
                + ") and the schema registry on free ports…");
        long t0 = System.nanoTime();
        cluster =
                DevCluster.start(new DevCluster.Config(dir, 0, 0, ctx.settings().partitions(), true, secure));
        ctx.cluster(new KafkaEndpoints(cluster.bootstrapServers(), cluster.registryUrl()), cluster.security());
        ctx.println(String.format(
                "cluster up in %.1f s: Kafka %s, schema registry %s",
                (System.nanoTime() - t0) / 1e9, cluster.bootstrapServers(), cluster.registryUrl()));
        if (secure) {
            ctx.println("secured: SASL_SSL with a certificate made for this run, one SCRAM-SHA-512 principal per"
                    + " component (" + String.join(", ", KafkaAcls.PLATFORM_PRINCIPALS)
                    + ") and least-privilege ACLs, each stage below connecting as its own; the schema registry and the"
                    + " features and recommendations APIs on HTTPS, the registry with a password, the APIs with a"
                    + " bearer token of this run");
        }
    }

    @Override
    public void close() throws IOException {
        try {
            if (cluster != null) cluster.close();
        } finally {
            cluster = null;
            if (dir != null) FileTrees.delete(dir);
            dir = null;
        }
    }
}
