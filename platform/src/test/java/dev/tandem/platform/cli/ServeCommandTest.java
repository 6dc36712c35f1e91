package dev.tandem.platform.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.connect.serving.InMemoryRecommendationStore;
import dev.tandem.connect.serving.Recommendation;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class ServeCommandTest {
    @Test
    void aStoreIsRequired() {
        CliRun r = CliRun.run("serve");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("--store");
    }

    @Test
    void anUnknownSchemeIsAUsageErrorNamingTheKnownOnes() {
        CliRun r = CliRun.run("serve", "--store", "nosuch://h:1");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.errLines())
                .singleElement()
                .asString()
                .startsWith("tandem: --store: no recommendation store for 'nosuch:' URLs (known: ")
                .contains("mem")
                .doesNotContain("Exception");
        assertThat(CliRun.run("serve", "--store", "localhost").exitCode()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void badPortsAndThreadsAreUsageErrors() {
        for (String[] args : List.of(
                new String[] {"serve", "--store", "mem:x", "--http-port", "70000"},
                new String[] {"serve", "--store", "mem:x", "--http-port", "abc"},
                new String[] {"serve", "--store", "mem:x", "--threads", "0"},
                new String[] {"serve", "--store", "mem:x", "--store-timeout", "-1s"})) {
            CliRun r = CliRun.run(args);
            assertThat(r.exitCode()).as(String.join(" ", args)).isEqualTo(ExitCodes.USAGE);
            assertThat(r.errLines()).as(r.err()).hasSize(1);
        }
    }

    @Test
    void aStoreThatDoesNotAnswerFailsInOneLine() {
        CliRun r = CliRun.run("serve", "--store", "down:x", "--store-timeout", "300ms");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(r.errLines()).containsExactly("tandem: store down:x did not answer within 300 ms");
    }

    @Test
    void aTakenPortFailsInOneLine() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            CliRun r = CliRun.run("serve", "--store", "mem:x", "--http-port", Integer.toString(taken.getLocalPort()));
            assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
            assertThat(r.errLines())
                    .singleElement()
                    .asString()
                    .startsWith("tandem: cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
    }

    @Test
    void servesUntilCtrlC() throws Exception {
        InMemoryRecommendationStore.named("serve-command")
                .put(new Recommendation(
                        "u", "r", 1, "m", "v", null, 2, List.of("CART"), "probability:CART", List.of()));
        BackgroundCli cli = BackgroundCli.start("serve", "--store", "mem:serve-command", "--http-port", "0");
        Pattern url = Pattern.compile("recommendations API: (http://127\\.0\\.0\\.1:\\d+)/v1/users/");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> cli.exited() || url.matcher(cli.out()).find());
        Matcher m = url.matcher(cli.out());
        assertThat(m.find()).as(cli.toString()).isTrue();
        assertThat(cli.out()).contains("store: mem:serve-command");
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(m.group(1) + "/v1/users/u/recommendations"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"request_id\":\"r\"");
        assertThat(cli.stop(Duration.ofSeconds(30))).as(cli.toString()).isZero();
        assertThat(cli.out()).contains("stopping (SIGINT)", "recommendations API stopped");
        assertThat(cli.err()).isEmpty();
    }
}
