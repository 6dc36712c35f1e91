package dev.tandem.images;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.runtime.distributed.DistributedConfig;
import org.apache.kafka.connect.runtime.rest.RestServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Connect image's worker settings, as connect-runtime reads them: the {@code TANDEM_*} variables (set for this
 * test JVM by the pom) resolve through the EnvVarConfigProvider under the same system property the image's JVM gets.
 */
class ConnectWorkerPropertiesTest {
    private static final Path FILE = Images.ROOT.resolve("images/src/main/resources/connect-worker.properties");
    private static final String PROVIDERS = "org.apache.kafka.automatic.config.providers";

    private String before;

    @BeforeEach
    void allowTheProvidersTheImageAllows() throws IOException {
        Matcher m = Pattern.compile("-D" + Pattern.quote(PROVIDERS) + "=([^<\\s]+)")
                .matcher(Files.readString(Images.ROOT.resolve("images/pom.xml")));
        assertThat(m.find())
                .as("the Connect image's JVM flag naming the allowed config providers")
                .isTrue();
        before = System.setProperty(PROVIDERS, m.group(1));
    }

    @AfterEach
    void restore() {
        if (before == null) System.clearProperty(PROVIDERS);
        else System.setProperty(PROVIDERS, before);
    }

    @Test
    void variablesResolveAndTheWorkerSettingsAreValid() throws IOException {
        DistributedConfig config = new DistributedConfig(load());
        assertThat(config.getList(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG))
                .containsExactly("kafka-0.kafka:9092", "kafka-1.kafka:9092");
        assertThat(config.originalsStrings())
                .containsEntry("value.converter.schema.registry.url", "http://registry:8081");
        assertThat(config.getString(RestServerConfig.REST_ADVERTISED_HOST_NAME_CONFIG))
                .isEqualTo("10.1.2.3");
        assertThat(config.getList(WorkerConfig.PLUGIN_PATH_CONFIG)).isEqualTo(List.of("/opt/tandem/plugins"));
        assertThat(config.getString(WorkerConfig.PLUGIN_DISCOVERY_CONFIG)).isEqualTo("service_load");
        // the worker loads it from plugin.path; here the connectors jar is on the test class path instead
        assertThat(config.getClass(WorkerConfig.VALUE_CONVERTER_CLASS_CONFIG).getName())
                .isEqualTo("dev.tandem.connect.avro.TandemAvroConverter");
        assertThat(config.originalsStrings()).containsEntry("consumer.isolation.level", "read_committed");
    }

    private static Map<String, String> load() throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(FILE, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        Map<String, String> m = new HashMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
        return m;
    }
}
