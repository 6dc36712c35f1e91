package dev.tandem.testkit;

import dev.tandem.schemas.kafka.KafkaEndpoints;
import dev.tandem.schemas.registry.RegistryClientConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;

/**
 * Fails fast, with one readable line, when Kafka or the registry isn't there. Without this a
 * producer retries for its whole delivery timeout (minutes) while logging warnings, which is
 * the worst first experience of a CLI.
 */
public final class Reachability {
    private static final String HINT = " — start it with `tandem dev-cluster`";

    private Reachability() {}

    public static void requireKafka(String bootstrap, Duration timeout) {
        requireKafka(bootstrap, Map.of(), timeout);
    }

    /** As {@link #requireKafka(String, Duration)}, with a secured cluster's client settings. */
    public static void requireKafka(String bootstrap, Map<String, String> clientProperties, Duration timeout) {
        // A TCP probe first: the Kafka admin client has no way to say "nothing listens there" quickly and quietly.
        boolean anyOpen = false;
        for (String hostPort : bootstrap.split(",")) {
            if (canConnect(hostPort.trim(), (int) Math.min(timeout.toMillis(), 2_000))) {
                anyOpen = true;
                break;
            }
        }
        if (!anyOpen) throw new UnreachableException("cannot reach Kafka at " + bootstrap + HINT);
        Map<String, Object> config = new java.util.HashMap<>(clientProperties);
        config.putAll(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                (int) timeout.toMillis(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                (int) timeout.toMillis(),
                AdminClientConfig.CLIENT_ID_CONFIG,
                "tandem-reachability"));
        try (Admin admin = Admin.create(config)) {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis()))
                    .nodes()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw refusal(bootstrap, clientProperties, e.getCause());
        } catch (TimeoutException e) {
            throw refusal(bootstrap, clientProperties, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnreachableException("interrupted while checking Kafka at " + bootstrap);
        }
    }

    /** Why a listening broker gave no answer, in one line: wrong credentials, an untrusted certificate, or no security settings. */
    static UnreachableException refusal(String bootstrap, Map<String, String> clientProperties, Throwable cause) {
        if (cause instanceof SaslAuthenticationException) {
            return new UnreachableException(
                    "Kafka at " + bootstrap + " refuses these credentials (" + firstLine(cause.getMessage()) + ")");
        }
        if (cause instanceof SslAuthenticationException) {
            return new UnreachableException("the TLS handshake with Kafka at " + bootstrap
                    + " failed: its certificate is not in ssl.truststore.location, or the broker expects no TLS");
        }
        if (cause instanceof org.apache.kafka.common.errors.AuthorizationException) {
            return new UnreachableException(
                    "Kafka at " + bootstrap + " refuses this principal (" + firstLine(cause.getMessage()) + ")");
        }
        if (clientProperties.getOrDefault("security.protocol", "PLAINTEXT").equalsIgnoreCase("PLAINTEXT")) {
            return new UnreachableException("cannot reach Kafka at " + bootstrap
                    + " (something listens there but does not answer a plaintext client: a secured cluster needs its"
                    + " client settings, e.g. --client-config <data-dir>/security/tools.properties)");
        }
        return new UnreachableException("cannot reach Kafka at " + bootstrap
                + " (something listens there but does not answer as a broker)" + HINT);
    }

    private static String firstLine(String s) {
        if (s == null) return "no reason given";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Only {@code http(s)://} registries are probed; {@code mock://} ones live in this JVM. */
    public static void requireRegistry(String url, Duration timeout) {
        requireRegistry(url, Map.of(), timeout);
    }

    /**
     * The same with the registry client's settings ({@code schema.registry.ssl.*}, {@code basic.auth.*}): a registry
     * on HTTPS is probed with that truststore, and one that requires a password refuses wrong or missing credentials
     * in one line.
     */
    public static void requireRegistry(String url, Map<String, String> registryConfigs, Duration timeout) {
        if (!url.startsWith("http://") && !url.startsWith("https://")) return;
        RegistryClientConfig config;
        try {
            config = RegistryClientConfig.from(url, registryConfigs);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new UnreachableException(
                    "the schema registry settings for " + url + " are unusable: " + e.getMessage());
        }
        String first = config.urls().get(0).toString();
        String subjects = first + "/subjects";
        HttpClient.Builder hb = HttpClient.newBuilder().connectTimeout(timeout);
        if (config.sslContext() != null) hb.sslContext(config.sslContext());
        HttpRequest.Builder rb =
                HttpRequest.newBuilder(URI.create(subjects)).timeout(timeout).GET();
        if (config.userInfo() != null) {
            rb.header("Authorization", RegistryClientConfig.basicAuthorization(config.userInfo()));
        }
        try {
            HttpResponse<Void> r = hb.build().send(rb.build(), HttpResponse.BodyHandlers.discarding());
            if (r.statusCode() == 401 || r.statusCode() == 403) {
                throw new UnreachableException("the schema registry at " + url + " refuses "
                        + (config.userInfo() == null ? "requests without credentials" : "these credentials")
                        + " (HTTP " + r.statusCode() + "); set basic.auth.user.info");
            }
            if (r.statusCode() >= 500) {
                throw new UnreachableException(
                        "the schema registry at " + url + " answers HTTP " + r.statusCode() + HINT);
            }
        } catch (javax.net.ssl.SSLException e) {
            throw new UnreachableException("cannot reach the schema registry at " + url + " over TLS (" + e.getMessage()
                    + "); set schema.registry.ssl.truststore.location");
        } catch (IOException e) {
            throw new UnreachableException("cannot reach the schema registry at " + url + HINT);
        } catch (IllegalArgumentException e) {
            throw new UnreachableException("not a valid schema registry URL: " + url);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnreachableException("interrupted while checking the schema registry at " + url);
        }
    }

    public static void require(KafkaEndpoints endpoints, Duration timeout) {
        require(endpoints, endpoints.clientProperties(), timeout);
    }

    /** Both, Kafka with a secured cluster's client settings. */
    public static void require(KafkaEndpoints endpoints, Map<String, String> clientProperties, Duration timeout) {
        requireKafka(endpoints.bootstrapServers(), KafkaEndpoints.securitySettings(clientProperties), timeout);
        requireRegistry(endpoints.registryUrl(), KafkaEndpoints.registrySettings(clientProperties), timeout);
    }

    static boolean canConnect(String hostPort, int timeoutMs) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) return false;
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            return false;
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), timeoutMs);
            return true;
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }
}
