package dev.tandem.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/**
 * "Ready" means a client can talk to the broker: an Admin {@code describeCluster} answers with at
 * least one live broker. Listening sockets alone are not enough (the broker stays fenced until
 * the controller has caught up and unfenced it).
 */
final class BrokerReadiness {
    private BrokerReadiness() {}

    /** Admin settings for short-lived internal admins: fail fast instead of the 60 s defaults. */
    static Map<String, Object> quickAdminConfig(String bootstrapServers) {
        return quickAdminConfig(bootstrapServers, Map.of());
    }

    /** The same, with a secured broker's client settings. */
    static Map<String, Object> quickAdminConfig(String bootstrapServers, Map<String, String> clientProperties) {
        Map<String, Object> m = new java.util.HashMap<>(clientProperties);
        m.putAll(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, 50,
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 250,
                AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 50,
                AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 250,
                AdminClientConfig.CLIENT_ID_CONFIG, "tandem-testkit-admin"));
        return m;
    }

    /**
     * Polls until the broker answers or {@code timeout} passes. {@code stillRunning} is checked
     * between attempts so that a broker which died is reported at once, not after the timeout;
     * {@code diagnostics} is appended to the timeout message.
     */
    static void await(
            String bootstrapServers,
            Map<String, String> clientProperties,
            Duration timeout,
            BooleanSupplier stillRunning,
            Supplier<String> diagnostics) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        // Wait for the listener first: an Admin pointed at a closed port logs a warning on every
        // reconnect, which buries the one line that matters in the caller's log.
        while (!accepts(bootstrapServers)) {
            if (!stillRunning.getAsBoolean()) {
                throw new IllegalStateException(
                        "Kafka broker at " + bootstrapServers + " stopped while starting" + diagnostics.get());
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException("Kafka broker at " + bootstrapServers + " not listening after "
                        + timeout.toSeconds() + " s" + diagnostics.get());
            }
            pause(50);
        }
        try (Admin admin = Admin.create(quickAdminConfig(bootstrapServers, clientProperties))) {
            while (System.nanoTime() - deadline < 0) {
                if (!stillRunning.getAsBoolean()) {
                    throw new IllegalStateException(
                            "Kafka broker at " + bootstrapServers + " stopped while starting" + diagnostics.get());
                }
                try {
                    int brokers = admin.describeCluster(new DescribeClusterOptions().timeoutMs(1_000))
                            .nodes()
                            .get(2, TimeUnit.SECONDS)
                            .size();
                    if (brokers > 0) return;
                } catch (ExecutionException | TimeoutException e) {
                    last = e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for Kafka at " + bootstrapServers, e);
                }
            }
        }
        throw new IllegalStateException(
                "Kafka broker at " + bootstrapServers + " not ready after "
                        + timeout.toSeconds() + " s" + (last == null ? "" : " (last error: " + last.getMessage() + ")")
                        + diagnostics.get(),
                last);
    }

    private static boolean accepts(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        try (Socket socket = new Socket()) {
            socket.connect(
                    new InetSocketAddress(
                            hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))),
                    500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Kafka", e);
        }
    }
}
