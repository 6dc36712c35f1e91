package dev.tandem.images;

import dev.tandem.testkit.connect.ConnectRest;
import dev.tandem.testkit.connect.ConnectorDeployer;
import dev.tandem.testkit.connect.ConnectorFile;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Creates or updates connectors on a running Connect worker and waits until each runs: {@code CreateConnectors URL
 * TIMEOUT_SECONDS FILE_OR_DIR...}. The Connect image runs {@code ConnectDistributed}, which creates no connector at
 * start, and has no shell or curl (scratch plus a JRE), so the chart's post-install/post-upgrade Job runs this class
 * from the same image. {@code PUT /connectors/NAME/config} is idempotent, so every upgrade may run it again.
 */
public final class CreateConnectors {
    private CreateConnectors() {}

    public static void main(String[] args) throws InterruptedException {
        System.exit(run(args, System.out, System.err));
    }

    /** @return the exit code: 0 when every connector runs, 1 when one was refused, failed or timed out, 2 on usage */
    static int run(String[] args, PrintStream out, PrintStream err) throws InterruptedException {
        if (args.length < 3) {
            err.println("usage: CreateConnectors WORKER_URL TIMEOUT_SECONDS CONNECTOR_FILE_OR_DIR...");
            return 2;
        }
        URI worker;
        Duration timeout;
        List<ConnectorFile> connectors = new ArrayList<>();
        try {
            worker = URI.create(args[0]);
            timeout = Duration.ofSeconds(Long.parseLong(args[1]));
            for (int i = 2; i < args.length; i++) connectors.addAll(read(Path.of(args[i])));
        } catch (IllegalArgumentException | IOException e) {
            err.println(e.getMessage());
            return 2;
        }
        if (connectors.isEmpty()) {
            err.println("no connector files in " + List.of(args).subList(2, args.length));
            return 2;
        }
        try {
            new ConnectorDeployer(new ConnectRest(worker, Duration.ofSeconds(30)), null, null)
                    .deploy(connectors, timeout, out::println);
            return 0;
        } catch (ConnectorDeployer.DeployException e) {
            err.println(e.getMessage());
            return 1;
        }
    }

    /**
     * A file, or the connector files of a directory in name order. Names starting with a dot are skipped: a mounted
     * ConfigMap keeps its real files under {@code ..data} and links each key at the top.
     */
    static List<ConnectorFile> read(Path path) throws IOException {
        if (!Files.isDirectory(path)) return List.of(ConnectorFile.read(path));
        try (Stream<Path> s = Files.list(path)) {
            return s.filter(p -> !p.getFileName().toString().startsWith("."))
                    .filter(p -> p.toString().endsWith(".json") || p.toString().endsWith(".properties"))
                    .sorted()
                    .map(ConnectorFile::read)
                    .toList();
        }
    }
}
