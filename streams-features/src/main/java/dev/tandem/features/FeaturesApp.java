package dev.tandem.features;

import static dev.tandem.features.FeatureNames.ITEM_STATS_STORE;
import static dev.tandem.features.FeatureNames.METRIC_READY;
import static dev.tandem.features.FeatureNames.METRIC_RESTORED_RECORDS;
import static dev.tandem.features.FeatureNames.METRIC_STORE_ENTRIES;
import static dev.tandem.features.FeatureNames.TAG_STORE;
import static dev.tandem.features.FeatureNames.USER_SEQUENCES_STORE;

import dev.tandem.features.http.FeaturesHttpServer;
import dev.tandem.features.http.StreamsFeatureLookup;
import dev.tandem.features.metrics.MicrometerFeatureMetrics;
import dev.tandem.schemas.config.AppMain;
import dev.tandem.schemas.kafka.StreamThreadFailures;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The features service: the {@link FeatureTopology} on Kafka Streams ({@code exactly_once_v2}) plus the
 * HTTP API. {@link #start()} returns once both run (the Streams app keeps restoring and rebalancing in
 * the background: see {@link #isReady()}); {@link #close()} stops both. The {@code tandem features}
 * command and the demo embed this class; {@link #main} runs it alone.
 */
public final class FeaturesApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FeaturesApp.class);

    private final FeaturesConfig config;
    private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Set<TopicPartition> restoring = ConcurrentHashMap.newKeySet();
    private final AtomicLong restoredRecords = new AtomicLong();
    private volatile KafkaStreams streams;
    private volatile FeaturesHttpServer http;
    private KafkaStreamsMetrics streamsMetrics;

    public FeaturesApp(FeaturesConfig config) {
        this.config = config;
    }

    public FeaturesConfig config() {
        return config;
    }

    public synchronized FeaturesApp start() {
        if (streams != null) throw new IllegalStateException("already started");
        LOG.info("{}", config.describe());
        FeatureSerdes serdes = FeatureSerdes.forRegistry(config.schemaRegistryUrl(), config.registryConfigs());
        Topology topology = FeatureTopology.build(
                config.topics(), serdes, config.policy(), config.options(), new MicrometerFeatureMetrics(meters));
        http = new FeaturesHttpServer(
                config.httpHost(),
                config.httpPort(),
                config.policy().maxIdLength(),
                this::isHealthy,
                this::isReady,
                meters::scrape,
                config.httpSecurity());
        HostInfo self = new HostInfo(config.advertisedHost(), http.port());
        KafkaStreams ks = new KafkaStreams(topology, streamsProperties(self));
        ks.setGlobalStateRestoreListener(new StateRestoreListener() {
            @Override
            public void onRestoreStart(TopicPartition tp, String store, long start, long end) {
                restoring.add(tp);
            }

            @Override
            public void onBatchRestored(TopicPartition tp, String store, long batchEnd, long n) {
                restoredRecords.addAndGet(n);
            }

            @Override
            public void onRestoreEnd(TopicPartition tp, String store, long total) {
                restoring.remove(tp);
            }

            @Override
            public void onRestoreSuspended(TopicPartition tp, String store, long total) {
                restoring.remove(tp);
            }
        });
        ks.setStateListener((now, before) -> LOG.info("features streams state {} -> {}", before, now));
        StreamThreadFailures failures = StreamThreadFailures.defaults();
        ks.setUncaughtExceptionHandler(e -> {
            if (failures.replaceThread(e)) {
                LOG.warn("features stream thread failed on a transient error; replacing it (tasks restored)", e);
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
            }
            LOG.error("features stream thread failed; shutting the client down", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streamsMetrics = new KafkaStreamsMetrics(ks);
        streamsMetrics.bindTo(meters);
        String[] stores = config.options().itemStats()
                ? new String[] {USER_SEQUENCES_STORE, ITEM_STATS_STORE}
                : new String[] {USER_SEQUENCES_STORE};
        for (String store : stores) {
            Gauge.builder(METRIC_STORE_ENTRIES, () -> approximateEntries(store))
                    .description("RocksDB's estimate of the entries in this instance's active stores")
                    .tag(TAG_STORE, store)
                    .register(meters);
        }
        FunctionCounter.builder(METRIC_RESTORED_RECORDS, restoredRecords, AtomicLong::doubleValue)
                .description("Records restored into local stores from changelogs since start")
                .register(meters);
        Gauge.builder(METRIC_READY, () -> isReady() ? 1 : 0)
                .description("1 when RUNNING with nothing restoring")
                .register(meters);
        http.setLookup(new StreamsFeatureLookup(ks, self, config.policy()));
        streams = ks;
        ks.start();
        http.start();
        LOG.info(
                "features API on {}://{}:{} (advertised as {})",
                config.httpSecurity().scheme(),
                config.httpHost(),
                http.port(),
                self);
        return this;
    }

    Properties streamsProperties(HostInfo self) {
        Properties p = config.streamsProperties();
        p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
        return p;
    }

    private double approximateEntries(String store) {
        KafkaStreams ks = streams;
        if (ks == null) return Double.NaN;
        try {
            return ks.store(StoreQueryParameters.fromNameAndType(store, QueryableStoreTypes.keyValueStore()))
                    .approximateNumEntries();
        } catch (RuntimeException e) {
            return Double.NaN;
        }
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

    /** Records restored into local stores (changelogs and the global items store) since {@link #start()}. */
    public long restoredRecords() {
        return restoredRecords.get();
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

    /**
     * Stops the API and the Streams client. With {@code leaveGroup} the instance leaves the consumer group at
     * once, so its partitions move without waiting for the session timeout (what a command-line stop or a
     * scale-down wants); without it, a quick restart with the same state dir gets the same partitions back.
     */
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

    /** {@code FeaturesApp [config.properties]}; {@code TANDEM_*} variables override the file. */
    public static void main(String[] args) throws InterruptedException {
        if (AppMain.helpAsked(args)) {
            System.out.print(usage());
            return;
        }
        FeaturesConfig config = FeaturesConfig.load(AppMain.configFile(args), System.getenv());
        System.out.print(config.describe());
        FeaturesApp app = new FeaturesApp(config).start();
        AppMain.runUntilStopped(app, "features");
    }

    /** What {@code --help} prints: the one argument and every setting with its variable and default. */
    static String usage() {
        return AppMain.usage("FeaturesApp", "", FeaturesConfig.DEFAULTS);
    }
}
