package dev.tandem.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.registry.server.InMemorySchemaStore;
import dev.tandem.schemas.registry.server.SchemaRegistryServer;
import dev.tandem.schemas.registry.server.SchemaStore;
import dev.tandem.schemas.registry.server.StoreRecord;
import dev.tandem.schemas.testing.Schemas;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The REST client against our server: every endpoint, the JSON shapes and the error codes. */
class RestClientAgainstServerTest {
    private static final Schema V1 = UserEvent.getClassSchema();
    private static final Schema V2 =
            Schemas.withField(V1, "{\"name\":\"referrer\",\"type\":[\"null\",\"string\"],\"default\":null}");
    private static final Schema INCOMPATIBLE = Schemas.withField(V1, "{\"name\":\"tenant\",\"type\":\"string\"}");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private SchemaRegistryServer server;
    private RestSchemaRegistryClient client;

    @BeforeEach
    void start() throws Exception {
        server = SchemaRegistryServer.builder()
                .host("127.0.0.1")
                .port(0)
                .store(new InMemorySchemaStore())
                .start();
        client = new RestSchemaRegistryClient(
                RegistryClientConfig.of(server.url()).withRetries(0, Duration.ZERO, Duration.ZERO));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void urlAndPort() {
        assertThat(server.port()).isPositive();
        assertThat(server.url()).isEqualTo("http://127.0.0.1:" + server.port());
    }

    @Test
    void registerLookupVersionsAndIds() {
        int id1 = client.register("events-value", V1);
        int id2 = client.register("events-value", V2);
        assertThat(id2).isGreaterThan(id1);
        assertThat(client.register("events-value", V1)).isEqualTo(id1);

        assertThat(client.getSchemaById(id1)).isEqualTo(V1);
        assertThat(client.getAllVersions("events-value")).containsExactly(1, 2);
        assertThat(client.getLatestVersion("events-value")).isEqualTo(new SchemaVersion("events-value", id2, 2, V2));
        assertThat(client.getVersion("events-value", 1)).isEqualTo(new SchemaVersion("events-value", id1, 1, V1));
        assertThat(client.lookup("events-value", V1)).isEqualTo(new SchemaVersion("events-value", id1, 1, V1));
        assertThat(client.getId("events-value", V2)).isEqualTo(id2);
        assertThat(client.listSubjects()).containsExactly("events-value");
    }

    @Test
    void subjectNamesWithSpecialCharactersSurviveThePath() {
        String subject = "odd subject/with+chars-é";
        int id = client.register(subject, V1);
        assertThat(client.listSubjects()).containsExactly(subject);
        assertThat(client.getLatestVersion(subject).id()).isEqualTo(id);
    }

    @Test
    void compatibilityTestAndRefusal() {
        client.register("events-value", V1);
        assertThat(client.testCompatibility("events-value", V2)).isEqualTo(CompatibilityResult.ok());
        CompatibilityResult bad = client.testCompatibility("events-value", INCOMPATIBLE);
        assertThat(bad.compatible()).isFalse();
        assertThat(bad.messages())
                .anySatisfy(m -> assertThat(m)
                        .contains("READER_FIELD_MISSING_DEFAULT_VALUE")
                        .contains("tenant"));
        assertThat(client.testCompatibility("no-such-subject", INCOMPATIBLE).compatible())
                .isTrue();

        assertThatThrownBy(() -> client.register("events-value", INCOMPATIBLE))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.errorCode()).isEqualTo(409);
                    assertThat(e.getMessage()).contains("incompatible").contains("tenant");
                });
    }

    @Test
    void configGlobalAndPerSubject() {
        assertThat(client.getGlobalCompatibility()).isEqualTo(CompatibilityLevel.BACKWARD);
        assertThat(client.getCompatibility("events-value")).isEqualTo(CompatibilityLevel.BACKWARD);
        client.setCompatibility("events-value", CompatibilityLevel.NONE);
        assertThat(client.getCompatibility("events-value")).isEqualTo(CompatibilityLevel.NONE);
        client.setGlobalCompatibility(CompatibilityLevel.FULL_TRANSITIVE);
        assertThat(client.getGlobalCompatibility()).isEqualTo(CompatibilityLevel.FULL_TRANSITIVE);
        assertThat(client.getCompatibility("items-value")).isEqualTo(CompatibilityLevel.FULL_TRANSITIVE);

        client.register("events-value", V1);
        assertThat(client.register("events-value", INCOMPATIBLE)).isPositive();
    }

    @Test
    void deleteSubject() {
        int id = client.register("events-value", V1);
        assertThat(client.deleteSubject("events-value")).containsExactly(1);
        assertThat(client.listSubjects()).isEmpty();
        assertThat(client.getSchemaById(id)).isEqualTo(V1);
    }

    @Test
    void errorCodesTravelOverHttp() {
        client.register("events-value", V1);
        assertThat(code(() -> client.getLatestVersion("nope"))).isEqualTo(40401);
        assertThat(code(() -> client.getVersion("events-value", 9))).isEqualTo(40402);
        assertThat(code(() -> client.getSchemaById(999))).isEqualTo(40403);
        assertThat(code(() -> client.lookup("events-value", ItemMetadata.getClassSchema())))
                .isEqualTo(40403);
        assertThat(code(() -> client.lookup("nope", V1))).isEqualTo(40401);
        assertThat(code(() -> client.deleteSubject("nope"))).isEqualTo(40401);
    }

    @Test
    void rawHttpShapesMatchConfluent() throws Exception {
        HttpResponse<String> r =
                post("/subjects/s/versions", "{\"schema\":" + JSON.writeValueAsString(V1.toString()) + "}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue(RestSchemaRegistryClient.CONTENT_TYPE);
        assertThat(JSON.readTree(r.body())).isEqualTo(JSON.readTree("{\"id\":1}"));

        JsonNode version = JSON.readTree(get("/subjects/s/versions/latest").body());
        assertThat(version.fieldNames()).toIterable().containsExactlyInAnyOrder("subject", "version", "id", "schema");
        assertThat(JSON.readTree(get("/schemas/ids/1").body()).get("schema").asText())
                .isEqualTo(V1.toString());
        assertThat(get("/subjects/s/versions/1/schema").body()).isEqualTo(V1.toString());
        assertThat(JSON.readTree(get("/config").body()))
                .isEqualTo(JSON.readTree("{\"compatibilityLevel\":\"BACKWARD\"}"));
        assertThat(JSON.readTree(get("/schemas/types").body()).get(0).asText()).isEqualTo("AVRO");

        HttpResponse<String> invalid = post("/subjects/s/versions", "{\"schema\":\"{\\\"type\\\":\\\"nonsense\\\"}\"}");
        assertThat(invalid.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(invalid.body()).get("error_code").asInt()).isEqualTo(42201);

        HttpResponse<String> badLevel = send("PUT", "/config", "{\"compatibility\":\"SIDEWAYS\"}");
        assertThat(badLevel.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(badLevel.body()).get("error_code").asInt()).isEqualTo(42203);

        HttpResponse<String> malformed = post("/subjects/s/versions", "{not json");
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(malformed.body()).has("error_code")).isTrue();

        HttpResponse<String> noSubject = get("/subjects/zzz/versions");
        assertThat(noSubject.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(noSubject.body()))
                .isEqualTo(JSON.readTree("{\"error_code\":40401,\"message\":\"Subject 'zzz' not found.\"}"));

        HttpResponse<String> verbose = post(
                "/compatibility/subjects/s/versions/latest?verbose=true",
                "{\"schema\":" + JSON.writeValueAsString(INCOMPATIBLE.toString()) + "}");
        assertThat(JSON.readTree(verbose.body()).get("is_compatible").asBoolean())
                .isFalse();
        assertThat(JSON.readTree(verbose.body()).get("messages")).isNotEmpty();
    }

    @Test
    void unknownPathsAre404AndWrongMethods405() throws Exception {
        HttpResponse<String> unknown = get("/nothing/here");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(unknown.body()).get("error_code").asInt()).isEqualTo(404);
        HttpResponse<String> wrong = send("DELETE", "/schemas/ids/1", null);
        assertThat(wrong.statusCode()).isEqualTo(405);
        assertThat(wrong.headers().firstValue("Allow")).hasValue("GET");
    }

    @Test
    void internalErrorsNeverLeakAStackTrace() throws Exception {
        SchemaStore broken = new SchemaStore() {
            @Override
            public List<StoreRecord> load() {
                return List.of();
            }

            @Override
            public void append(StoreRecord record) {
                throw new IllegalStateException("secret internals at com.example.Foo");
            }

            @Override
            public void close() {}
        };
        try (SchemaRegistryServer s =
                SchemaRegistryServer.builder().port(0).store(broken).start()) {
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(URI.create(s.url() + "/config"))
                            .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\":\"NONE\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(JSON.readTree(r.body()).get("error_code").asInt()).isEqualTo(50001);
            assertThat(r.body()).doesNotContain("\tat ").doesNotContain("Exception");
        }
    }

    @Test
    void basicAuthIsRequiredWhenConfigured() throws Exception {
        try (SchemaRegistryServer secured = SchemaRegistryServer.builder()
                .port(0)
                .basicAuth("tandem", "s3cret")
                .start()) {
            var anonymous = new RestSchemaRegistryClient(RegistryClientConfig.of(secured.url()));
            assertThatThrownBy(anonymous::listSubjects)
                    .isInstanceOfSatisfying(
                            SchemaRegistryException.class,
                            e -> assertThat(e.status()).isEqualTo(401));
            var wrong = RestSchemaRegistryClient.create(
                    secured.url(),
                    Map.of("basic.auth.credentials.source", "USER_INFO", "basic.auth.user.info", "tandem:nope"));
            assertThatThrownBy(wrong::listSubjects)
                    .isInstanceOfSatisfying(
                            SchemaRegistryException.class,
                            e -> assertThat(e.status()).isEqualTo(401));

            var viaUserInfo = RestSchemaRegistryClient.create(
                    secured.url(),
                    Map.of("basic.auth.credentials.source", "USER_INFO", "basic.auth.user.info", "tandem:s3cret"));
            assertThat(viaUserInfo.register("s", V1)).isEqualTo(1);
            var viaUrl = RestSchemaRegistryClient.create(
                    secured.url().replace("http://", "http://tandem:s3cret@"),
                    Map.of("basic.auth.credentials.source", "URL"));
            assertThat(viaUrl.listSubjects()).containsExactly("s");
            assertThat(viaUrl.config().toString()).doesNotContain("s3cret");
        }
    }

    private static int code(Runnable call) {
        try {
            call.run();
        } catch (SchemaRegistryException e) {
            return e.errorCode();
        }
        throw new AssertionError("expected a SchemaRegistryException");
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send("GET", path, null);
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return send("POST", path, body);
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path))
                .header("Content-Type", RestSchemaRegistryClient.CONTENT_TYPE)
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
