package dev.tandem.platform.cli;

import dev.tandem.bench.cli.DurationConverter;
import dev.tandem.connect.serving.RecommendationStores;
import dev.tandem.connect.serving.http.RecommendationsHttpServer;
import dev.tandem.connect.serving.http.ServingApp;
import dev.tandem.connect.serving.http.ServingConfig;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tandem serve}: the recommendations API over a serving store, until Ctrl-C or SIGTERM. */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description = {
            "Serves GET /v1/users/{id}/recommendations?k=10 from a serving store the Connect sinks fill, until Ctrl-C.",
            "Also /health, /ready (the store answers) and /metrics (Prometheus)."
        })
public final class ServeCommand implements Callable<Integer> {
    public static final int DEFAULT_PORT = ServingConfig.DEFAULT_PORT;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--store",
            required = true,
            paramLabel = "URL",
            description = "The serving store: redis://HOST:PORT, jdbc:postgresql://…, jdbc:sqlite:FILE or mem:NAME"
                    + " (in this JVM, empty: for trying the API); the schemes this build has are listed on error.")
    String store;

    @Option(
            names = "--http-port",
            paramLabel = "PORT",
            defaultValue = "" + DEFAULT_PORT,
            description = "Port of the API (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int httpPort;

    @Option(
            names = "--host",
            paramLabel = "ADDRESS",
            defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 for every interface).")
    String host;

    @Option(
            names = "--threads",
            paramLabel = "N",
            defaultValue = "16",
            description = "Handler threads, i.e. concurrent store reads at most (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(
            names = "--store-timeout",
            paramLabel = "DURATION",
            defaultValue = "5s",
            converter = DurationConverter.class,
            description = "How long the store may take to answer at start-up (default: ${DEFAULT-VALUE}); later"
                    + " outages make /ready and reads answer 503 until it is back.")
    Duration storeTimeout;

    @Override
    public Integer call() throws Exception {
        CommandLine cl = spec.commandLine();
        if (httpPort < 0 || httpPort > 65_535) {
            throw new CommandLine.ParameterException(cl, "--http-port out of range: " + httpPort);
        }
        if (threads < 1 || threads > 1024) {
            throw new CommandLine.ParameterException(cl, "--threads must be 1..1024: " + threads);
        }
        ServingApp app;
        try {
            app = ServingApp.start(new ServingConfig(store, host, httpPort, threads, storeTimeout));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, "--store: " + e.getMessage());
        } catch (IllegalStateException | UncheckedIOException e) {
            throw new CliException(e.getMessage(), ExitCodes.FAILURE, e);
        }
        try (app) {
            return serve(cl.getOut(), app);
        }
    }

    private int serve(PrintWriter out, ServingApp app) throws InterruptedException {
        Signals signals = Signals.install(null);
        Thread safetyNet = new Thread(app::close, "tandem-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(safetyNet);
        try {
            String base = "http://" + host + ":" + app.port();
            out.println("store: " + RecommendationStores.redact(app.store().describe()));
            out.println("recommendations API: " + base + RecommendationsHttpServer.USERS_PREFIX + "{id}"
                    + RecommendationsHttpServer.RECOMMENDATIONS_SUFFIX + "?k=" + RecommendationsHttpServer.DEFAULT_K
                    + "   (also " + base + "/health, /ready, /metrics)");
            out.println("Ctrl-C to stop.");
            out.flush();
            signals.await();
            out.println("stopping (" + signals.received() + ")…");
            out.flush();
        } finally {
            app.close();
            DevClusterCommand.removeHook(safetyNet);
        }
        out.println("recommendations API stopped");
        out.flush();
        return ExitCodes.OK;
    }
}
