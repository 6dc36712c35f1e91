package dev.tandem.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The chart under test: renders it with Helm (helm-java's embedded library) for a value set, once per set per JVM,
 * and writes what it rendered to {@code target/rendered/<set>.yaml}.
 */
final class Chart {
    static final Path MODULE = Path.of(System.getProperty("user.dir"));
    static final Path DIR = MODULE.resolve("tandem");
    static final Path RENDERED = MODULE.resolve("target/rendered");
    static final String RELEASE = "tandem";
    static final String NAMESPACE = "recs";
    // helm template assumes Kubernetes 1.20 without it, below the chart's kubeVersion
    static final String KUBE_VERSION = "v1.31.0";

    /** The value sets in {@code tandem/ci/<set>-values.yaml}. */
    static final List<String> SETS = List.of("defaults", "gpu", "strimzi", "secured", "minimal");

    static final YAMLMapper YAML = new YAMLMapper(new YAMLFactory());
    static final ObjectMapper JSON = new ObjectMapper();

    private static final Map<String, List<ObjectNode>> RENDERS = new ConcurrentHashMap<>();

    private Chart() {}

    static Path values(String set) {
        return DIR.resolve("ci").resolve(set + "-values.yaml");
    }

    /**
     * helm-java's template leaves hook resources out; with these the hook Jobs render as plain Jobs (their values'
     * {@code hook: false}), so every invariant covers them too.
     */
    static final Map<String, Object> HOOKS_AS_JOBS =
            Map.of("topics.hook", false, "connect.createConnectors.hook", false);

    /** Every object the set renders, the hook Jobs as plain Jobs, in Helm's order. */
    static List<ObjectNode> render(String set) {
        return RENDERS.computeIfAbsent(set, s -> {
            String yaml = template(values(s), HOOKS_AS_JOBS);
            try {
                Files.createDirectories(RENDERED);
                Files.writeString(RENDERED.resolve(s + ".yaml"), yaml, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return parse(yaml);
        });
    }

    /** {@code helm template} of the chart with a values file and --set overrides; Helm's error as the exception. */
    static String template(Path valuesFile, Map<String, Object> sets) {
        var t = new Helm(DIR)
                .template()
                .withName(RELEASE)
                .withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION)
                .withValuesFile(valuesFile);
        sets.forEach(t::set);
        return t.call();
    }

    static List<ObjectNode> parse(String yaml) {
        List<ObjectNode> docs = new ArrayList<>();
        try (var it = YAML.readerFor(JsonNode.class).<JsonNode>readValues(yaml)) {
            while (it.hasNext()) {
                JsonNode n = it.next();
                if (n instanceof ObjectNode o && o.size() > 0) docs.add(o);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return docs;
    }

    static String kind(JsonNode o) {
        return o.path("kind").asText();
    }

    static String name(JsonNode o) {
        return o.path("metadata").path("name").asText();
    }

    static String component(JsonNode o) {
        return o.path("metadata")
                .path("labels")
                .path("app.kubernetes.io/component")
                .asText();
    }

    static List<ObjectNode> ofKind(List<ObjectNode> objects, String kind) {
        return objects.stream().filter(o -> kind(o).equals(kind)).toList();
    }

    /** The pod spec of a workload (its template's spec), or null for a kind that has none. */
    static JsonNode podSpec(JsonNode o) {
        return switch (kind(o)) {
            case "Deployment", "StatefulSet", "Job" ->
                o.path("spec").path("template").path("spec");
            default -> null;
        };
    }
}
