package dev.tandem.platform.demo;

import dev.tandem.connect.serving.Freshness;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.http.HttpSecurity;
import dev.tandem.schemas.kafka.KafkaEndpoints;
import dev.tandem.testkit.KafkaAcls;
import dev.tandem.testkit.KafkaSecurity;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** What stages share: settings, where the cluster is, the output, the counters, and the stop flag. */
public final class DemoContext {
    private final DemoSettings settings;
    private final PrintWriter out;
    private volatile KafkaEndpoints plain;
    private volatile KafkaEndpoints endpoints;
    private volatile Scored scored;
    private volatile KafkaSecurity security;
    private volatile HttpSecurity http = HttpSecurity.NONE;
    private volatile boolean stopping;
    /** Events handed to the producer so far (all acknowledged once the generator is done). */
    final AtomicLong produced = new AtomicLong();
    /** Total the generator will have produced once done; -1 while it still runs. */
    final AtomicLong producedTotal = new AtomicLong(-1);

    final AtomicLong consumed = new AtomicLong();

    /** Per user, the newest committed prediction the scoring stage read, by the serving stores' rule. */
    private final Map<String, Prediction> newestPredictions = new LinkedHashMap<>();

    public DemoContext(DemoSettings settings, PrintWriter out) {
        this.settings = settings;
        this.out = out;
    }

    public DemoSettings settings() {
        return settings;
    }

    /** Where the cluster is; on a secured cluster with the CLI's client settings ({@link KafkaAcls#TOOLS}). */
    public KafkaEndpoints endpoints() {
        KafkaEndpoints e = endpoints;
        if (e == null) throw new IllegalStateException("no cluster yet: the cluster stage must come first");
        return e;
    }

    /** Where the cluster is, with a principal's client settings and the registry's ({@link #client}). */
    public KafkaEndpoints endpoints(String principal) {
        if (plain == null) throw new IllegalStateException("no cluster yet: the cluster stage must come first");
        Map<String, String> props = new LinkedHashMap<>(client(principal));
        props.putAll(registry());
        return plain.withClientProperties(props);
    }

    /** @param security the secured cluster's credentials, null for a plaintext cluster */
    void cluster(KafkaEndpoints plain, KafkaSecurity security) {
        this.security = security;
        this.plain = plain;
        this.endpoints = endpoints(KafkaAcls.TOOLS);
        if (security != null) {
            http = new HttpSecurity(
                    security.keyStore(), security.trustStorePassword(), "PKCS12", KafkaSecurity.newSecret(), null);
        }
    }

    /**
     * How the demo's HTTP APIs (features, recommendations) are protected: on a secured cluster HTTPS with the cluster's
     * certificate and a bearer token made for this run; nothing otherwise.
     */
    public HttpSecurity http() {
        return http;
    }

    /** A client of those APIs: trusts their certificate. */
    public HttpClient httpClient(Duration connectTimeout) {
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(connectTimeout);
        if (http.tls()) b.sslContext(http.peerContext());
        return b.build();
    }

    /** A request to those APIs, with their token. */
    public HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri);
        String token = http.bearerToken();
        if (token != null) b.header("Authorization", "Bearer " + token);
        return b;
    }

    /** The registry client's settings on a secured cluster (HTTPS truststore, basic auth); none otherwise. */
    public Map<String, String> registry() {
        KafkaSecurity s = security;
        return s == null ? Map.of() : s.registryClientProperties();
    }

    /**
     * A principal's Kafka client settings on a secured cluster ({@link KafkaAcls#PLATFORM_PRINCIPALS}: each stage runs
     * under the component it stands for, as a deployment would); none on a plaintext one.
     */
    public Map<String, String> client(String principal) {
        KafkaSecurity s = security;
        return s == null ? Map.of() : s.clientProperties(principal);
    }

    /**
     * The model the scoring job started with and the log it was trained on (regenerated, the events the generator
     * sent): what the monitoring stage grades online.
     */
    public record Scored(Path modelDir, List<UserEvent> log) {}

    void scored(Scored s) {
        scored = s;
    }

    /** Null when the scoring stage made no model (too few events) or did not get that far. */
    Scored scored() {
        return scored;
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

    /** Called by the scoring stage for every prediction of its requests it reads. */
    synchronized void predicted(Prediction p) {
        newestPredictions.merge(
                p.getUserId().toString(),
                p,
                (a, b) -> Freshness.replaces(
                                b.getRequestTime().toEpochMilli(),
                                b.getRequestId().toString(),
                                a.getRequestTime().toEpochMilli(),
                                a.getRequestId().toString())
                        ? b
                        : a);
    }

    /** What a serving store fed from {@code predictions} must end up holding, user by user, in the order first seen. */
    synchronized Map<String, Prediction> newestPredictions() {
        return new LinkedHashMap<>(newestPredictions);
    }

    public synchronized void println(String line) {
        out.println(line);
        out.flush();
    }
}
