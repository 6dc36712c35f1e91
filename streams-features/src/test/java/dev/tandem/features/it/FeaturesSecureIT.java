package dev.tandem.features.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.datasets.generator.GeneratorConfig;
import dev.tandem.features.FeatureSerdes;
import dev.tandem.features.FeaturesApp;
import dev.tandem.features.FeaturesConfig;
import dev.tandem.features.sequence.BehaviourSequence;
import dev.tandem.features.sequence.SequenceUpdater;
import dev.tandem.features.validation.EventValidator;
import dev.tandem.features.validation.InvalidEventException;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.KafkaAcls;
import dev.tandem.testkit.TandemClusterExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The features app on a secured broker (TLS, SCRAM-SHA-512, ACLs) under its own principal, whose grant names only
 * its inputs, outputs and the internal topics, group and transactional ids under its application id: it must do its
 * whole exactly-once job with those rights and its settings given as {@code streams.*} keys, as a deployment gives
 * them ({@code TANDEM_STREAMS_SASL_JAAS_CONFIG} and friends). With another component's principal it gets nowhere.
 */
@Timeout(180)
class FeaturesSecureIT {
    private static final String APP_ID = "tandem-features-secure-it";

    @RegisterExtension
    static final TandemClusterExtension CLUSTER = new TandemClusterExtension()
            .withPartitions(2)
            .secured(List.of(
                    KafkaAcls.features("features", APP_ID),
                    KafkaAcls.scoring("scoring", "tandem-scoring"),
                    KafkaAcls.tools("tools", "tandem-cli")));

    @TempDir
    Path tmp;

    @Test
    void everyAcceptedEventReachesUserFeaturesUnderTheAppsOwnPrincipal() throws Exception {
        List<UserEvent> input = FeaturesItSupport.generatedWithInvalidCopies(GeneratorConfig.of(50, 200, 600, 7L), 100);
        FeaturesConfig config = config("features", "features-state");
        EventValidator validator = new EventValidator(
                config.policy().maxIdLength(), config.options().maxClockSkew().toMillis());
        Map<String, BehaviourSequence> offline = new LinkedHashMap<>();
        for (UserEvent e : input) {
            try {
                validator.validate(e.getUserId(), e, System.currentTimeMillis());
            } catch (InvalidEventException ex) {
                continue;
            }
            SequenceUpdater.apply(
                    offline.computeIfAbsent(e.getUserId(), u -> new BehaviourSequence(config.policy())), e);
        }
        long expected = offline.values().stream()
                .mapToLong(BehaviourSequence::sequenceVersion)
                .sum();

        FeatureSerdes serdes = FeatureSerdes.forRegistry(CLUSTER.registryUrl(), Map.of());
        // The events come from the CLI tools' principal: a producer with write rights on events and nothing else.
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(clientProps("tools"));
                FeaturesApp app = new FeaturesApp(config).start()) {
            for (UserEvent e : input)
                producer.send(new ProducerRecord<>(
                        TandemTopics.EVENTS,
                        e.getUserId().getBytes(StandardCharsets.UTF_8),
                        serdes.userEvent().serializer().serialize(TandemTopics.EVENTS, e)));
            producer.flush();
            Map<String, UserFeatures> latest = new HashMap<>();
            long[] records = {0};
            await().atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        records[0] = 0;
                        latest.clear();
                        for (ConsumerRecord<byte[], byte[]> r : FeaturesItSupport.readCommitted(
                                CLUSTER, TandemTopics.USER_FEATURES, "secure-it-reader")) {
                            records[0]++;
                            latest.put(
                                    new String(r.key(), StandardCharsets.UTF_8),
                                    serdes.userFeatures()
                                            .deserializer()
                                            .deserialize(TandemTopics.USER_FEATURES, r.value()));
                        }
                        return records[0] >= expected;
                    });
            assertThat(records[0]).isEqualTo(expected);
            offline.forEach((user, s) -> assertThat(latest.get(user)).isEqualTo(s.toUserFeatures(user)));
            assertThat(app.isHealthy()).isTrue();
        }
    }

    @Test
    void underAnotherComponentsPrincipalTheAppFailsInsteadOfProcessing() throws Exception {
        // The scoring job's principal may read events' neighbours but owns no group, transactional id or internal
        // topic under the features app's id: the app must stop with an authorization error, not run without rights.
        FeaturesConfig config = config("scoring", "scoring-state");
        try (FeaturesApp app = new FeaturesApp(config).start()) {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> !app.isHealthy());
            assertThat(app.streams().state()).isIn(KafkaStreams.State.PENDING_ERROR, KafkaStreams.State.ERROR);
        }
    }

    private FeaturesConfig config(String principal, String stateDir) {
        Map<String, String> settings = FeaturesItSupport.settings(CLUSTER, APP_ID, tmp.resolve(stateDir));
        settings.put(FeaturesConfig.USER_TTL, "0");
        CLUSTER.clientProperties(principal).forEach((k, v) -> settings.put(FeaturesConfig.STREAMS_PREFIX + k, v));
        return FeaturesConfig.fromMap(settings);
    }

    private static Properties clientProps(String principal) {
        Properties p = new Properties();
        p.putAll(CLUSTER.clientProperties(principal));
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, CLUSTER.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        return p;
    }
}
