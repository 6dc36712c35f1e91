package dev.tandem.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.connect.serving.http.ServingConfig;
import dev.tandem.features.FeaturesConfig;
import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.monitoring.MonitoringConfig;
import dev.tandem.schemas.config.Settings;
import dev.tandem.schemas.registry.server.RegistryApp;
import java.io.IOException;
import java.io.StringReader;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * What the chart hands the apps is what the apps read: every {@code TANDEM_…} variable is a key of the app's
 * defaults map (or a pass-through key naming a real Kafka setting), the serving container's settings load as
 * {@code ServingConfig}, the Connect worker file's variables are all in the worker's environment, and the
 * FlinkDeployment's entry class is the scoring app's main. Renaming a key or the main class in an app fails here.
 */
class AppSettingsTest {
    static final List<String> SETS = Chart.SETS;

    /** A known key per component: its defaults and its pass-through prefixes (Settings' rules). */
    record Known(Map<String, String> defaults, Set<String> prefixes) {}

    static final Map<String, Known> APPS = Map.of(
            "features", new Known(FeaturesConfig.DEFAULTS, FeaturesConfig.PASS_THROUGH_PREFIXES),
            "monitoring", new Known(MonitoringConfig.DEFAULTS, MonitoringConfig.PASS_THROUGH_PREFIXES),
            "scoring", new Known(ScoringConfig.DEFAULTS, ScoringConfig.PASS_THROUGH_PREFIXES),
            "serving", new Known(ServingConfig.DEFAULTS, Set.of()),
            "registry", new Known(RegistryApp.DEFAULTS, RegistryApp.PREFIXES));

    /** The Connect image's worker file, as the images module builds it into the image. */
    static final Path IMAGE_WORKER_FILE = Chart.MODULE
            .resolve("../images/src/main/resources/connect-worker.properties")
            .normalize();

    private static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\{env:([^}:]+)}");

    private static final Set<String> CLIENT_CONFIGS = new HashSet<>();

    static {
        CLIENT_CONFIGS.addAll(ProducerConfig.configNames());
        CLIENT_CONFIGS.addAll(ConsumerConfig.configNames());
        CLIENT_CONFIGS.addAll(AdminClientConfig.configNames());
    }

    static Map<String, String> env(JsonNode container) {
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode e : container.path("env"))
            env.put(e.path("name").asText(), e.has("value") ? e.path("value").asText() : "<valueFrom>");
        return env;
    }

    /** Containers of each component, the FlinkDeployment's pod template included. */
    static Map<String, List<JsonNode>> containersByComponent(List<ObjectNode> objects) {
        Map<String, List<JsonNode>> m = new LinkedHashMap<>();
        for (ObjectNode o : objects) {
            JsonNode pod = Chart.kind(o).equals("FlinkDeployment")
                    ? o.path("spec").path("podTemplate").path("spec")
                    : Chart.podSpec(o);
            if (pod == null) continue;
            pod.path("containers")
                    .forEach(c -> m.computeIfAbsent(Chart.component(o), k -> new ArrayList<>())
                            .add(c));
        }
        return m;
    }

    /** Why the app would not read this variable as the chart means it, or null when it would. */
    static String problem(String var, Known app) {
        for (String k : app.defaults().keySet()) if (Settings.envName(k).equals(var)) return null;
        // Settings' reading of a variable under a pass-through prefix
        String key = var.substring(Settings.ENV_PREFIX.length())
                .toLowerCase(Locale.ROOT)
                .replace('_', '.');
        String prefix =
                app.prefixes().stream().filter(key::startsWith).findFirst().orElse(null);
        if (prefix == null) return var + " is neither a key of the app nor under " + app.prefixes();
        String rest = key.substring(prefix.length());
        return switch (prefix) {
            case "streams." -> knownStreamsConfig(rest) ? null : var + ": Kafka Streams has no setting " + rest;
            case "kafka." -> CLIENT_CONFIGS.contains(rest) ? null : var + ": Kafka clients have no setting " + rest;
            default -> null; // registry client and Flink settings are not checked here
        };
    }

    private static boolean knownStreamsConfig(String key) {
        if (StreamsConfig.configDef().names().contains(key) || CLIENT_CONFIGS.contains(key)) return true;
        for (String p : List.of("producer.", "consumer.", "main.consumer.", "restore.consumer.", "admin."))
            if (key.startsWith(p)) return CLIENT_CONFIGS.contains(key.substring(p.length()));
        return false;
    }

    @ParameterizedTest
    @FieldSource("SETS")
    void everyTandemVariableIsASettingTheComponentsAppReads(String set) {
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (var e : containersByComponent(Chart.render(set)).entrySet()) {
            for (JsonNode c : e.getValue()) {
                for (String var : env(c).keySet()) {
                    // the Connect worker's are read by its worker file (theConnectWorkerFilesVariables…)
                    if (!var.startsWith(Settings.ENV_PREFIX) || e.getKey().equals("connect")) continue;
                    Known app = APPS.get(e.getKey());
                    if (app == null) {
                        problems.add(e.getKey() + " sets " + var + " but reads no TANDEM_ settings");
                        continue;
                    }
                    checked++;
                    String p = problem(var, app);
                    if (p != null) problems.add(e.getKey() + ": " + p);
                }
            }
        }
        assertThat(problems).isEmpty();
        assertThat(checked).isPositive();
    }

    @Test
    void aRenamedKeyOrAMisspeltKafkaSettingIsCaught() {
        Known features = APPS.get("features");

        assertThat(problem("TANDEM_HTTP_ADVERTISED_HOST", features)).isNull();
        assertThat(problem("TANDEM_STREAMS_NUM_STANDBY_REPLICAS", features)).isNull();
        assertThat(problem("TANDEM_HTTP_ADVERTISED_HOSTNAME", features)).contains("neither a key");
        assertThat(problem("TANDEM_STREAMS_NUM_STANDBYS", features)).contains("no setting num.standbys");
    }

    /** The data of the ConfigMap of a component (the first one, where it has several). */
    static Map<String, String> configMapData(List<ObjectNode> objects, String component) {
        ObjectNode cm = Chart.ofKind(objects, "ConfigMap").stream()
                .filter(c -> Chart.component(c).equals(component))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no ConfigMap of " + component));
        return Chart.JSON.convertValue(cm.path("data"), Map.class);
    }

    static Set<String> envReferences(String text) {
        Set<String> names = new TreeSet<>();
        Matcher m = ENV_REFERENCE.matcher(text);
        while (m.find()) names.add(m.group(1));
        return names;
    }

    static Properties properties(String text) throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(text));
        return p;
    }

    @ParameterizedTest
    @FieldSource("SETS")
    void theServingContainerRunsTheImagesEntrypointWithSettingsServingConfigLoads(String set) {
        for (JsonNode c : containersByComponent(Chart.render(set)).getOrDefault("serving", List.of())) {
            Map<String, String> env = env(c);

            ServingConfig config = ServingConfig.load(null, env);

            // no command or arguments: the image's ServingApp, which takes none but a settings file
            assertThat(c.has("command") || c.has("args")).isFalse();
            assertThat(env).containsKey(Settings.envName(ServingConfig.STORE));
            assertThat(config.httpHost()).isEqualTo("0.0.0.0");
            assertThat(config.httpPort())
                    .isEqualTo(c.path("ports").get(0).path("containerPort").asInt());
        }
    }

    @ParameterizedTest
    @FieldSource("SETS")
    void theConnectWorkerFilesVariablesAreAllInTheWorkersEnvironmentAndAllowed(String set) throws IOException {
        List<ObjectNode> objects = Chart.render(set);
        List<JsonNode> workers = containersByComponent(objects).getOrDefault("connect", List.of());
        if (workers.isEmpty()) return;
        JsonNode c = workers.get(0);
        String worker = configMapData(objects, "connect").get("worker.properties");
        String image = Files.readString(IMAGE_WORKER_FILE);
        Properties rendered = properties(worker);
        Set<String> referenced = new TreeSet<>(envReferences(worker));
        configMapData(objects, "connectors").values().forEach(json -> referenced.addAll(envReferences(json)));
        Pattern allowed = Pattern.compile(rendered.getProperty("config.providers.env.param.allowlist.pattern"));
        Set<String> tandemVars = env(c).keySet().stream()
                .filter(v -> v.startsWith(Settings.ENV_PREFIX))
                .collect(Collectors.toCollection(TreeSet::new));

        // the image's own file first, unchanged: its settings hold unless the chart overrides one below them
        assertThat(worker).startsWith(image.strip());
        assertThat(envReferences(image)).isNotEmpty();
        assertThat(referenced).containsAll(envReferences(image));
        assertThat(env(c).keySet()).containsAll(referenced);
        assertThat(referenced)
                .allSatisfy(v -> assertThat(allowed.matcher(v).matches())
                        .as("%s passes the env provider's allowlist %s", v, allowed)
                        .isTrue());
        // and no TANDEM_ variable that nothing reads
        assertThat(referenced).containsAll(tandemVars);
        // the worker file is the image's argument; the advertised host is the pod's own address
        assertThat(c.path("args").toString()).isEqualTo("[\"/etc/tandem/connect/worker.properties\"]");
        assertThat(c.path("env").findParents("name").stream()
                        .filter(e -> e.path("name").asText().equals("TANDEM_CONNECT_ADVERTISED_HOST"))
                        .map(e -> e.path("valueFrom")
                                .path("fieldRef")
                                .path("fieldPath")
                                .asText()))
                .containsExactly("status.podIP");
    }

    @Test
    void theFlinkDeploymentsEntryClassIsTheScoringAppsMain() throws Exception {
        JsonNode job = Chart.ofKind(Chart.render("defaults"), "FlinkDeployment")
                .get(0)
                .path("spec")
                .path("job");
        String entry = job.path("entryClass").asText();

        var main = Class.forName(entry).getMethod("main", String[].class);

        assertThat(Modifier.isStatic(main.getModifiers())).isTrue();
        assertThat(job.path("jarURI").asText())
                .startsWith("local:///opt/flink/usrlib/")
                .endsWith(".jar");
    }

    @Test
    void theJobJarHoldsTheEntryClass() throws IOException {
        Path target = Chart.MODULE.resolve("../flink-inference/target").normalize();
        List<Path> jars;
        try (Stream<Path> s = Files.exists(target) ? Files.list(target) : Stream.empty()) {
            jars = s.filter(p -> p.getFileName().toString().endsWith("-job.jar"))
                    .toList();
        }
        assumeTrue(!jars.isEmpty(), "no flink-inference job jar built (mvn package without -Dtandem.skipJobJar)");
        String entry = Chart.ofKind(Chart.render("defaults"), "FlinkDeployment")
                .get(0)
                .path("spec")
                .path("job")
                .path("entryClass")
                .asText();
        try (JarFile jar = new JarFile(jars.get(0).toFile())) {
            assertThat(jar.getEntry(entry.replace('.', '/') + ".class")).isNotNull();
        }
    }

    @Test
    void theSchemasDeliveryModesAreTheScoringAppsModes() throws IOException {
        JsonNode schema =
                Chart.JSON.readTree(Chart.DIR.resolve("values.schema.json").toFile());
        List<String> allowed = new ArrayList<>();
        schema.path("properties")
                .path("scoring")
                .path("properties")
                .path("delivery")
                .path("enum")
                .forEach(n -> allowed.add(n.asText()));

        assertThat(allowed)
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(ScoringConfig.Delivery.values())
                        .map(ScoringConfig.Delivery::key)
                        .toList());
    }
}
