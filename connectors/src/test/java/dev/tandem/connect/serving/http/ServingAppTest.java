package dev.tandem.connect.serving.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.schemas.config.ConfigException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServingAppTest {
    @TempDir
    Path tmp;

    @Test
    void settingsComeFromTheFileThenTandemVariables() throws Exception {
        Path file = tmp.resolve("serving.properties");
        Files.writeString(file, "store=mem:from-file\nhttp.port=9000\nhttp.threads=4\n");
        ServingConfig c = ServingConfig.load(
                file, Map.of("TANDEM_HTTP_PORT", "9100", "TANDEM_HTTP_HOST", "0.0.0.0", "TANDEM_STORE_TIMEOUT", "2s"));
        assertThat(c).isEqualTo(new ServingConfig("mem:from-file", "0.0.0.0", 9100, 4, Duration.ofSeconds(2)));
    }

    @Test
    void aStoreIsRequiredAndItsPasswordIsNeverPrinted() {
        assertThatThrownBy(() -> ServingConfig.load(null, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(ServingConfig.STORE);
        ServingConfig c = ServingConfig.load(null, Map.of("TANDEM_STORE", "redis://:s3cret@redis:6379"));
        assertThat(c.describe()).doesNotContain("s3cret").contains("store = redis://****@redis:6379");
    }

    @Test
    void usageNamesEverySettingWithItsVariable() {
        assertThat(ServingApp.usage())
                .startsWith("Usage: ServingApp [config.properties]")
                .contains("store (TANDEM_STORE)", "http.port (TANDEM_HTTP_PORT) default '8095'");
    }

    @Test
    void startsOnAnAnsweringStoreAndServesReadyUntilClosed() throws Exception {
        ServingApp app =
                ServingApp.start(new ServingConfig("mem:serving-app-test", "127.0.0.1", 0, 2, Duration.ofSeconds(5)));
        HttpClient client = HttpClient.newHttpClient();
        URI ready = URI.create("http://127.0.0.1:" + app.port() + "/ready");
        try (app) {
            HttpResponse<String> r =
                    client.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
        }
        assertThatThrownBy(
                        () -> client.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(java.io.IOException.class);
        app.close(); // a second close is a no-op
    }

    @Test
    void anUnknownSchemeIsAnArgumentErrorNamingTheKnownOnes() {
        assertThatThrownBy(() -> ServingApp.start(new ServingConfig("nosuch://x", "127.0.0.1", 0, 1, Duration.ZERO)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mem");
    }
}
