package dev.tandem.connect.avro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.schemas.registry.CompatibilityLevel;
import dev.tandem.schemas.registry.CompatibilityResult;
import dev.tandem.schemas.registry.MockSchemaRegistry;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.registry.SchemaVersion;
import dev.tandem.schemas.registry.server.InMemorySchemaStore;
import dev.tandem.schemas.registry.server.SchemaRegistryServer;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.serde.TruncatedPayloadException;
import dev.tandem.schemas.serde.UnknownMagicByteException;
import dev.tandem.schemas.serde.UnknownSchemaIdException;
import java.net.ServerSocket;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.runtime.isolation.PluginDesc;
import org.apache.kafka.connect.runtime.isolation.Plugins;
import org.apache.kafka.connect.storage.Converter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Bad bytes, bad data, registry trouble and configuration: each fails the way Connect can act on. */
class ConverterErrorsAndConfigTest {
    private final String scope = "errors-" + UUID.randomUUID();
    private final SchemaRegistryClient client = MockSchemaRegistry.client(scope);
    private final TandemAvroConverter converter = converter(Map.of());

    @AfterEach
    void drop() throws Exception {
        converter.close();
        MockSchemaRegistry.drop(scope);
    }

    private TandemAvroConverter converter(Map<String, Object> extra) {
        Map<String, Object> configs = new HashMap<>(extra);
        configs.put("schema.registry.url", "mock://" + scope);
        TandemAvroConverter c = new TandemAvroConverter();
        c.configure(configs, false);
        return c;
    }

    private byte[] prediction() {
        return new TandemAvroSerializer<Object>(client, false).serialize("p", TandemRecords.prediction());
    }

    @Test
    void nullAndEmptyBytesAreTombstones() {
        assertThat(converter.toConnectData("p", null)).isSameAs(SchemaAndValue.NULL);
        assertThat(converter.toConnectData("p", new byte[0])).isSameAs(SchemaAndValue.NULL);
    }

    @Test
    void aWrongMagicByteIsBadDataNamingTheByte() {
        byte[] bytes = prediction();
        bytes[0] = 0x7b;
        assertThatThrownBy(() -> converter.toConnectData("p", bytes))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("magic byte 0x7b")
                .hasCauseInstanceOf(UnknownMagicByteException.class);
    }

    @Test
    void anUnknownSchemaIdIsBadDataNamingTheId() {
        byte[] bytes = prediction();
        bytes[1] = 0;
        bytes[2] = 0;
        bytes[3] = 0x30;
        bytes[4] = 0x39;
        assertThatThrownBy(() -> converter.toConnectData("p", bytes))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("Unknown schema id 12345")
                .hasCauseInstanceOf(UnknownSchemaIdException.class);
    }

    @Test
    void truncatedHeadersAndBodiesAreBadData() {
        byte[] bytes = prediction();
        assertThatThrownBy(() -> converter.toConnectData("p", Arrays.copyOf(bytes, 3)))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("Truncated payload of 3 byte(s)")
                .hasCauseInstanceOf(TruncatedPayloadException.class);
        assertThatThrownBy(() -> converter.toConnectData("p", Arrays.copyOf(bytes, bytes.length - 4)))
                .isInstanceOf(DataException.class)
                .hasCauseInstanceOf(TruncatedPayloadException.class);
    }

    @Test
    void aRecursiveAvroSchemaHasNoConnectSchemaAndTheErrorNamesIt() {
        org.apache.avro.Schema node = new org.apache.avro.Schema.Parser()
                .parse("{\"type\":\"record\",\"name\":\"Node\",\"namespace\":\"test\",\"fields\":["
                        + "{\"name\":\"v\",\"type\":\"int\"},{\"name\":\"next\",\"type\":[\"null\",\"Node\"]}]}");
        GenericRecord r = new GenericData.Record(node);
        r.put("v", 1);
        byte[] bytes = new TandemAvroSerializer<Object>(client, false).serialize("n", r);
        assertThatThrownBy(() -> converter.toConnectData("n", bytes))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("test.Node")
                .hasMessageContaining("recursive");
    }

    @Test
    void withoutAutoRegistrationAnUnregisteredSchemaIsBadDataAndARegisteredOneIsUsed() throws Exception {
        SchemaAndValue sv = converter.toConnectData("p", prediction());
        try (TandemAvroConverter strict = converter(Map.of("auto.register.schemas", "false"))) {
            assertThatThrownBy(() -> strict.fromConnectData("other", sv.schema(), sv.value()))
                    .isInstanceOf(DataException.class)
                    .hasMessageContaining("not registered under subject 'other-value'");
            assertThat(strict.fromConnectData("p", sv.schema(), sv.value())).isEqualTo(prediction());
        }
    }

    @Test
    void theSubjectNameStrategyIsTheSerdes() throws Exception {
        SchemaAndValue sv = converter.toConnectData("p", prediction());
        try (TandemAvroConverter byRecord = converter(Map.of("value.subject.name.strategy", "RecordNameStrategy"))) {
            byRecord.fromConnectData("q", sv.schema(), sv.value());
        }
        assertThat(client.listSubjects()).containsExactlyInAnyOrder("p-value", "dev.tandem.schemas.Prediction");
    }

    @Test
    void anUnreachableRegistryIsRetriableNotBadData() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        SchemaAndValue sv = converter.toConnectData("p", prediction());
        try (TandemAvroConverter down = new TandemAvroConverter()) {
            down.configure(Map.of("schema.registry.url", "http://127.0.0.1:" + port, "max.retries", "0"), false);
            assertThatThrownBy(() -> down.toConnectData("p", prediction()))
                    .isInstanceOf(RetriableException.class)
                    .hasMessageContaining("127.0.0.1:" + port);
            assertThatThrownBy(() -> down.fromConnectData("p", sv.schema(), sv.value()))
                    .isInstanceOf(RetriableException.class);
        }
    }

    @Test
    void basicAuthAndTheRestClientComeFromTheConverterKeys() throws Exception {
        try (SchemaRegistryServer server = SchemaRegistryServer.builder()
                        .host("127.0.0.1")
                        .port(0)
                        .store(new InMemorySchemaStore())
                        .basicAuth("connect", "s3cret")
                        .start();
                TandemAvroConverter good = new TandemAvroConverter();
                TandemAvroConverter bad = new TandemAvroConverter()) {
            Map<String, String> configs = new HashMap<>(Map.of(
                    "schema.registry.url", server.url(),
                    "basic.auth.credentials.source", "USER_INFO",
                    "basic.auth.user.info", "connect:s3cret",
                    "max.retries", "0"));
            good.configure(configs, false);
            configs.put("basic.auth.user.info", "connect:wrong");
            bad.configure(configs, false);
            SchemaAndValue sv = converter.toConnectData("p", prediction());

            byte[] bytes = good.fromConnectData("p", sv.schema(), sv.value());
            assertThat(good.toConnectData("p", bytes).value()).isEqualTo(sv.value());
            assertThatThrownBy(() -> bad.fromConnectData("p", sv.schema(), sv.value()))
                    .isInstanceOf(DataException.class)
                    .hasMessageContaining("401");
        }
    }

    @Test
    void bothSchemaCachesAreBoundedLeastRecentlyUsedFirst() throws Exception {
        CountingClient counting = new CountingClient(client);
        org.apache.avro.Schema[] schemas = new org.apache.avro.Schema[3];
        byte[][] bytes = new byte[3][];
        for (int i = 0; i < 3; i++) {
            schemas[i] = new org.apache.avro.Schema.Parser()
                    .parse("{\"type\":\"record\",\"name\":\"R" + i
                            + "\",\"fields\":[{\"name\":\"f\",\"type\":\"int\"}]}");
            GenericRecord r = new GenericData.Record(schemas[i]);
            r.put("f", i);
            bytes[i] = new TandemAvroSerializer<Object>(client, false).serialize("r" + i, r);
        }
        try (TandemAvroConverter small = new TandemAvroConverter(counting)) {
            small.configure(Map.of("schemas.cache.config", "2"), false);
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < 3; i++) {
                    SchemaAndValue sv = small.toConnectData("r" + i, bytes[i]);
                    small.fromConnectData("r" + i, sv.schema(), sv.value());
                }
            }
            assertThat(small.cachedSchemas()).containsExactly(2L, 2L);
            // ids 0, 1, 2 cycled through 2 slots: every read misses the converter's cache, the deserializer's
            // own (unbounded) map fetches each id once: 6 + 3.
            assertThat(counting.byId.get()).isEqualTo(9);
        }
        try (TandemAvroConverter big = new TandemAvroConverter(counting)) {
            counting.byId.set(0);
            big.configure(Map.of(), false);
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < 3; i++) big.toConnectData("r" + i, bytes[i]);
            }
            assertThat(big.cachedSchemas()[0]).isEqualTo(3L);
            assertThat(counting.byId.get()).isEqualTo(6);
        }
    }

    @Test
    void badSettingsAreConfigExceptionsNamingTheKey() {
        TandemAvroConverter c = new TandemAvroConverter();
        assertThatThrownBy(() ->
                        c.configure(Map.of("schema.registry.url", "mock://x", "schemas.cache.config", "0"), false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("schemas.cache.config");
        assertThatThrownBy(() ->
                        c.configure(Map.of("schema.registry.url", "mock://x", "auto.register.schemas", "maybe"), false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("auto.register.schemas");
        assertThatThrownBy(() -> c.configure(
                        Map.of("schema.registry.url", "mock://x", "value.subject.name.strategy", "ByColour"), false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("ByColour");
        assertThatThrownBy(() -> c.configure(Map.of(), false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("schema.registry.url");
        assertThatThrownBy(() -> c.toConnectData("p", new byte[] {0, 0, 0, 0, 1}))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theConverterIsFoundByServiceLoadingAndDescribesItsKeys() {
        assertThat(ServiceLoader.load(Converter.class).stream()
                        .map(p -> p.type().getName()))
                .contains(TandemAvroConverter.class.getName());
        assertThat(converter.config().names())
                .contains(
                        "schema.registry.url",
                        "auto.register.schemas",
                        "value.subject.name.strategy",
                        "schemas.cache.config",
                        "basic.auth.user.info",
                        "schema.registry.ssl.truststore.location");
    }

    @Test
    void theConnectRuntimeFindsItWithPluginDiscoveryByServiceLoading() {
        Plugins plugins = new Plugins(Map.of("plugin.discovery", "service_load"));
        assertThat(plugins.converters())
                .extracting(PluginDesc::className)
                .contains(TandemAvroConverter.class.getName());
    }

    /** Counts schema fetches by id; everything else goes straight to the registry. */
    private static final class CountingClient implements SchemaRegistryClient {
        final SchemaRegistryClient delegate;
        final AtomicInteger byId = new AtomicInteger();

        CountingClient(SchemaRegistryClient delegate) {
            this.delegate = delegate;
        }

        @Override
        public org.apache.avro.Schema getSchemaById(int id) {
            byId.incrementAndGet();
            return delegate.getSchemaById(id);
        }

        @Override
        public int register(String subject, org.apache.avro.Schema schema) {
            return delegate.register(subject, schema);
        }

        @Override
        public SchemaVersion getLatestVersion(String subject) {
            return delegate.getLatestVersion(subject);
        }

        @Override
        public SchemaVersion getVersion(String subject, int version) {
            return delegate.getVersion(subject, version);
        }

        @Override
        public List<Integer> getAllVersions(String subject) {
            return delegate.getAllVersions(subject);
        }

        @Override
        public SchemaVersion lookup(String subject, org.apache.avro.Schema schema) {
            return delegate.lookup(subject, schema);
        }

        @Override
        public CompatibilityResult testCompatibility(String subject, org.apache.avro.Schema schema) {
            return delegate.testCompatibility(subject, schema);
        }

        @Override
        public List<String> listSubjects() {
            return delegate.listSubjects();
        }

        @Override
        public CompatibilityLevel getCompatibility(String subject) {
            return delegate.getCompatibility(subject);
        }

        @Override
        public void setCompatibility(String subject, CompatibilityLevel level) {
            delegate.setCompatibility(subject, level);
        }

        @Override
        public List<Integer> deleteSubject(String subject) {
            return delegate.deleteSubject(subject);
        }
    }
}
