package dev.tandem.monitoring;

import static dev.tandem.monitoring.MonitoringNames.METRIC_READY;

import dev.tandem.monitoring.core.ModelCards;
import dev.tandem.monitoring.http.MonitoringHttpServer;
import dev.tandem.monitoring.metrics.MicrometerMonitoringMetrics;
import dev.tandem.monitoring.streams.DrainSignal;
import dev.tandem.schemas.config.AppMain;
import dev.tandem.schemas.kafka.StreamThreadFailures;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitoring service: the {@link MonitoringTopology} on Kafka Streams ({@code exactly_once_v2}) plus
 * {@code /metrics}, {@code /health} and {@code /ready}. {@link #start()} returns once both run; {@link #close()}
 * stops both; {@link #drain} ends a replay. {@code tandem monitor} embeds this class; {@link #main} runs it alone.
 */
public final class MonitoringApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MonitoringApp.class);
    /** How often, at most, the model cards are read again when a model version without a reference is met. */
    static final Duration MODEL_CARDS_RESCAN = Duration.ofMinutes(1);

    private final MonitoringConfig config;
    private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final DrainSignal drain = new DrainSignal();
    private final Set<TopicPartition> restoring = ConcurrentHashMap.newKeySet();
    private volatile KafkaStreams streams;
    private volatile MonitoringHttpServer http;
    private KafkaStreamsMetrics streamsMetrics;
    private int outcomeSubtopology;

    public MonitoringApp(MonitoringConfig config) {
        this.config = config;
    }

    public MonitoringConfig config() {
        return config;
    }

    public synchronized MonitoringApp start() {
        if (streams != null) throw new IllegalStateException("already started");
        LOG.info("{}", config.describe());
        MonitoringSerdes serdes = MonitoringSerdes.forRegistry(config.schemaRegistryUrl(), config.registryConfigs());
        ModelCards cards = new ModelCards(config.modelCards(), MODEL_CARDS_RESCAN);
        Topology topology = MonitoringTopology.build(
                config.topics(),
                serdes,
                config.options(),
                new MicrometerMonitoringMetrics(meters, config.driftThresholds(), cards),
                drain,
                cards);
        outcomeSubtopology = MonitoringTopology.outcomeSubtopology(topology);
        http = new MonitoringHttpServer(
                config.httpHost(),
                config.httpPort(),
                this::isHealthy,
                this::isReady,
                meters::scrape,
                config.httpSecurity());
        KafkaStreams ks = new KafkaStreams(topology, config.streamsProperties());
        ks.setGlobalStateRestoreListener(new StateRestoreListener() {
            @Override
            public void onRestoreStart(TopicPartition tp, String store, long start, long end) {
                restoring.add(tp);
            }

            @Override
            public void onBatchRestored(TopicPartition tp, String store, long batchEnd, long n) {}

            @Override
            public void onRestoreEnd(TopicPartition tp, String store, long total) {
                restoring.remove(tp);
            }

            @Override
            public void onRestoreSuspended(TopicPartition tp, String store, long total) {
                restoring.remove(tp);
            }
        });
        ks.setStateListener((now, before) -> LOG.info("monitoring streams state {} -> {}", before, now));
        StreamThreadFailures failures = StreamThreadFailures.defaults();
        ks.setUncaughtExceptionHandler(e -> {
            if (failures.replaceThread(e)) {
                LOG.warn("monitoring stream thread failed on a transient error; replacing it (tasks restored)", e);
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
            }
            LOG.error("monitoring stream thread failed; shutting the client down", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streamsMetrics = new KafkaStreamsMetrics(ks);
        streamsMetrics.bindTo(meters);
        Gauge.builder(METRIC_READY, () -> isReady() ? 1 : 0)
                .description("1 when RUNNING with nothing restoring")
                .register(meters);
        streams = ks;
        ks.start();
        http.start();
        LOG.info(
                "monitoring metrics on {}://{}:{}/metrics",
                config.httpSecurity().scheme(),
                config.httpHost(),
                http.port());
        return this;
    }

    /**
     * Ends a replay: every waiting prediction is graded now, the input being complete up to {@code completeUntil}
     * (final where its horizon fits before it, censored otherwise). Call it once the app has read all of its input
     * (its committed offsets at the end offsets); returns when every outcome task has drained. The outcomes and the
     * figures they change are written with the next commit and publication.
     *
     * @throws TimeoutException when some task has not drained within {@code timeout}
     */
    public void drain(Instant completeUntil, Duration timeout) throws TimeoutException, InterruptedException {
        long epoch = drain.request(completeUntil.toEpochMilli());
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Set<String> tasks = outcomeTasks();
            if (!tasks.isEmpty() && drain.drained(tasks, epoch)) return;
            if (!isHealthy()) throw new IllegalStateException("the monitoring app stopped: " + streams.state());
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("outcome tasks " + tasks + " did not drain within " + timeout);
            }
            // the tasks answer on their next wall-clock punctuation: poll at a fraction of its interval
            Thread.sleep(Math.max(10, config.options().punctuateInterval().toMillis() / 4));
        }
    }

    private Set<String> outcomeTasks() {
        Set<String> out = new HashSet<>();
        for (ThreadMetadata t : streams.metadataForLocalThreads()) {
            for (TaskMetadata task : t.activeTasks()) {
                if (task.taskId().subtopology() == outcomeSubtopology)
                    out.add(task.taskId().toString());
            }
        }
        return out;
    }

    /** False once the Streams client failed or stopped. */
    public boolean isHealthy() {
        KafkaStreams ks = streams;
        if (ks == null) return false;
        KafkaStreams.State s = ks.state();
        return s != KafkaStreams.State.ERROR
                && s != KafkaStreams.State.PENDING_ERROR
                && s != KafkaStreams.State.NOT_RUNNING
                && s != KafkaStreams.State.PENDING_SHUTDOWN;
    }

    /** RUNNING with no active store restoring. */
    public boolean isReady() {
        KafkaStreams ks = streams;
        return ks != null && ks.state() == KafkaStreams.State.RUNNING && restoring.isEmpty();
    }

    public KafkaStreams streams() {
        return streams;
    }

    /** The bound HTTP port (useful with {@code http.port=0}). */
    public int httpPort() {
        return http.port();
    }

    public PrometheusMeterRegistry meters() {
        return meters;
    }

    @Override
    public synchronized void close() {
        close(Duration.ofSeconds(30), true);
    }

    /** Stops the HTTP server and the Streams client; with {@code leaveGroup} its partitions move at once. */
    public synchronized void close(Duration timeout, boolean leaveGroup) {
        if (http != null) http.close();
        if (streams != null) {
            streams.close(CloseOptions.timeout(timeout)
                    .withGroupMembershipOperation(
                            leaveGroup
                                    ? CloseOptions.GroupMembershipOperation.LEAVE_GROUP
                                    : CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP));
        }
        if (streamsMetrics != null) streamsMetrics.close();
        meters.close();
    }

    /** {@code MonitoringApp [config.properties]}; {@code TANDEM_*} variables override the file. */
    public static void main(String[] args) throws InterruptedException {
        if (AppMain.helpAsked(args)) {
            System.out.print(usage());
            return;
        }
        MonitoringConfig config = MonitoringConfig.load(AppMain.configFile(args), System.getenv());
        System.out.print(config.describe());
        MonitoringApp app = new MonitoringApp(config).start();
        AppMain.runUntilStopped(app, "monitoring");
    }

    /** What {@code --help} prints: the one argument and every setting with its variable and default. */
    static String usage() {
        return AppMain.usage("MonitoringApp", "", MonitoringConfig.DEFAULTS);
    }
}
