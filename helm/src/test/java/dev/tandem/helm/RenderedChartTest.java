package dev.tandem.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.StreamSupport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** Invariants every value set's rendering keeps; the rendered manifests are in target/rendered/<set>.yaml. */
class RenderedChartTest {
    static final List<String> SETS = Chart.SETS;

    /** Kinds of custom resources checked against their CRD schemas instead (CustomResourceSchemaTest). */
    static final Set<String> CRD_KINDS = Set.of("FlinkDeployment", "KafkaTopic", "KafkaConnect", "KafkaConnector");

    static final List<String> RECOMMENDED_LABELS = List.of(
            "app.kubernetes.io/name",
            "app.kubernetes.io/instance",
            "app.kubernetes.io/component",
            "app.kubernetes.io/version",
            "app.kubernetes.io/part-of",
            "app.kubernetes.io/managed-by");

    @ParameterizedTest
    @FieldSource("SETS")
    void everyObjectParsesIntoItsTypedModelWithNoUnknownField(String set) {
        List<String> problems = new ArrayList<>();
        for (ObjectNode o : Chart.render(set)) {
            if (CRD_KINDS.contains(Chart.kind(o))) continue;
            Typed.unknownFields(Typed.parse(o))
                    .forEach(f -> problems.add(Chart.kind(o) + " " + Chart.name(o) + ": unknown field " + f));
        }
        assertThat(problems).isEmpty();
    }

    @ParameterizedTest
    @FieldSource("SETS")
    void everyObjectAndPodTemplateHasTheRecommendedLabels(String set) {
        List<String> problems = new ArrayList<>();
        for (ObjectNode o : Chart.render(set)) {
            JsonNode labels = o.path("metadata").path("labels");
            for (String l : RECOMMENDED_LABELS)
                if (labels.path(l).asText().isEmpty()) problems.add(Chart.kind(o) + " " + Chart.name(o) + ": " + l);
            JsonNode pod = o.path("spec").path("template").path("metadata").path("labels");
            if (Chart.podSpec(o) != null)
                for (String l : RECOMMENDED_LABELS)
                    if (pod.path(l).asText().isEmpty())
                        problems.add(Chart.kind(o) + " " + Chart.name(o) + " pods: " + l);
        }
        assertThat(problems).isEmpty();
    }

    @ParameterizedTest
    @FieldSource("SETS")
    void everyContainerHasResourcesAndARestrictedSecurityContext(String set) {
        List<String> problems = new ArrayList<>();
        for (ObjectNode o : Chart.render(set)) {
            String what = Chart.kind(o) + " " + Chart.name(o);
            JsonNode pod = Chart.podSpec(o);
            if (pod != null) {
                checkPod(what, pod, problems);
                for (JsonNode c : pod.path("containers")) {
                    JsonNode r = c.path("resources");
                    for (String k : List.of("requests", "limits"))
                        if (r.path(k).path("memory").isMissingNode())
                            problems.add(what + ": container " + c.path("name").asText() + " without " + k + ".memory");
                    if (r.path("requests").path("cpu").isMissingNode())
                        problems.add(what + ": container " + c.path("name").asText() + " without requests.cpu");
                    checkContainer(what, pod, c, problems);
                }
            }
            if (Chart.kind(o).equals("FlinkDeployment")) {
                JsonNode spec = o.path("spec");
                checkPod(what, spec.path("podTemplate").path("spec"), problems);
                for (JsonNode c : spec.path("podTemplate").path("spec").path("containers"))
                    checkContainer(what, spec.path("podTemplate").path("spec"), c, problems);
                for (String m : List.of("jobManager", "taskManager")) {
                    JsonNode r = spec.path(m).path("resource");
                    if (!r.path("cpu").isNumber() || r.path("memory").asText().isEmpty())
                        problems.add(what + ": " + m + " without cpu and memory");
                }
            }
            if (Chart.kind(o).equals("KafkaConnect")) {
                JsonNode spec = o.path("spec");
                if (spec.path("resources").path("limits").path("memory").isMissingNode())
                    problems.add(what + ": no memory limit");
                checkPod(what, spec.path("template").path("pod"), problems);
                JsonNode sc = spec.path("template").path("connectContainer").path("securityContext");
                if (!sc.path("readOnlyRootFilesystem").asBoolean()) problems.add(what + ": writable root filesystem");
            }
        }
        assertThat(problems).isEmpty();
    }

    private static void checkPod(String what, JsonNode pod, List<String> problems) {
        JsonNode sc = pod.path("securityContext");
        if (!sc.path("runAsNonRoot").asBoolean()) problems.add(what + ": pod may run as root");
        if (!sc.path("seccompProfile").path("type").asText().equals("RuntimeDefault"))
            problems.add(what + ": pod without the RuntimeDefault seccomp profile");
    }

    private static void checkContainer(String what, JsonNode pod, JsonNode c, List<String> problems) {
        String name = what + ": container " + c.path("name").asText();
        JsonNode sc = c.path("securityContext");
        if (sc.path("allowPrivilegeEscalation").asBoolean(true)) problems.add(name + " may escalate privileges");
        List<String> dropped = StreamSupport.stream(
                        sc.path("capabilities").path("drop").spliterator(), false)
                .map(JsonNode::asText)
                .toList();
        if (!dropped.contains("ALL")) problems.add(name + " keeps capabilities");
        if (!sc.path("readOnlyRootFilesystem").asBoolean()) problems.add(name + " has a writable root filesystem");
        // a JVM on a read-only root filesystem still needs a writable /tmp
        boolean tmp = StreamSupport.stream(c.path("volumeMounts").spliterator(), false)
                .anyMatch(m -> m.path("mountPath").asText().equals("/tmp")
                        && StreamSupport.stream(pod.path("volumes").spliterator(), false)
                                .anyMatch(v -> v.path("name").equals(m.path("name")) && v.has("emptyDir")));
        if (!tmp) problems.add(name + " has no emptyDir on /tmp");
    }

    @ParameterizedTest
    @FieldSource("SETS")
    void everyLongRunningContainerHasReadinessAndLivenessProbesOnAPortItOpens(String set) {
        List<String> problems = new ArrayList<>();
        for (ObjectNode o : Chart.render(set)) {
            if (!Set.of("Deployment", "StatefulSet").contains(Chart.kind(o))) continue;
            for (JsonNode c : Chart.podSpec(o).path("containers")) {
                String name = Chart.kind(o) + " " + Chart.name(o) + ": "
                        + c.path("name").asText();
                List<String> ports = StreamSupport.stream(c.path("ports").spliterator(), false)
                        .map(p -> p.path("name").asText())
                        .toList();
                for (String probe : List.of("readinessProbe", "livenessProbe")) {
                    JsonNode get = c.path(probe).path("httpGet");
                    if (get.isMissingNode()) problems.add(name + " without an HTTP " + probe);
                    else if (!ports.contains(get.path("port").asText()))
                        problems.add(name + ": " + probe + " on port " + get.path("port") + ", not one it opens");
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    @ParameterizedTest
    @FieldSource("SETS")
    void everyServiceSelectsThePodsOfAWorkload(String set) {
        List<ObjectNode> objects = Chart.render(set);
        for (ObjectNode s : Chart.ofKind(objects, "Service")) {
            Map<String, String> selector =
                    Chart.JSON.convertValue(s.path("spec").path("selector"), Map.class);
            assertThat(objects)
                    .as("a workload whose pods %s %s selects", Chart.kind(s), Chart.name(s))
                    .anySatisfy(w -> {
                        assertThat(Chart.podSpec(w)).isNotNull();
                        Map<String, String> labels = Chart.JSON.convertValue(
                                w.path("spec").path("template").path("metadata").path("labels"), Map.class);
                        assertThat(labels).containsAllEntriesOf(selector);
                    });
        }
    }

    @ParameterizedTest
    @FieldSource("SETS")
    void gpuResourcesAppearOnlyWhenGpuIsOn(String set) {
        boolean gpu = set.equals("gpu");
        List<ObjectNode> flink = Chart.ofKind(Chart.render(set), "FlinkDeployment");
        assertThat(flink).hasSize(1);
        JsonNode spec = flink.get(0).path("spec");
        JsonNode tm = spec.path("taskManager").path("podTemplate").path("spec");
        if (gpu) {
            assertThat(tm.path("containers")
                            .get(0)
                            .path("resources")
                            .path("limits")
                            .path("nvidia.com/gpu")
                            .asInt())
                    .isEqualTo(1);
            assertThat(tm.path("nodeSelector").isEmpty()).isFalse();
            assertThat(tm.path("tolerations").get(0).path("key").asText()).isEqualTo("nvidia.com/gpu");
            assertThat(spec.path("flinkConfiguration")
                            .path("external-resources")
                            .asText())
                    .isEqualTo("gpu");
            assertThat(spec.path("flinkConfiguration")
                            .path("external-resource.gpu.kubernetes.config-key")
                            .asText())
                    .isEqualTo("nvidia.com/gpu");
            assertThat(spec.path("image").asText()).endsWith("-gpu");
        } else {
            // anywhere in any object: no GPU request, no GPU setting, no GPU image
            for (ObjectNode o : Chart.render(set)) {
                assertThat(o.toString()).doesNotContain("nvidia.com/gpu").doesNotContain("external-resource");
            }
            assertThat(spec.path("image").asText()).doesNotEndWith("-gpu");
        }
    }

    @ParameterizedTest
    @FieldSource("SETS")
    void theFeaturesPodsAdvertiseTheirHeadlessServiceNamesAndKeepStateOnAVolumeClaim(String set) {
        List<ObjectNode> objects = Chart.render(set);
        ObjectNode sts = Chart.ofKind(objects, "StatefulSet").get(0);
        String headless = sts.path("spec").path("serviceName").asText();
        assertThat(Chart.ofKind(objects, "Service")).anySatisfy(s -> {
            assertThat(Chart.name(s)).isEqualTo(headless);
            assertThat(s.path("spec").path("clusterIP").asText()).isEqualTo("None");
        });
        JsonNode c = sts.path("spec")
                .path("template")
                .path("spec")
                .path("containers")
                .get(0);
        Map<String, String> env = AppSettingsTest.env(c);
        assertThat(env.get("TANDEM_HTTP_ADVERTISED_HOST"))
                .isEqualTo("$(POD_NAME)." + headless + ".$(POD_NAMESPACE).svc");
        String stateDir = env.get("TANDEM_STATE_DIR");
        JsonNode claim = sts.path("spec").path("volumeClaimTemplates").get(0);
        assertThat(c.path("volumeMounts")).anySatisfy(m -> {
            assertThat(m.path("name").asText())
                    .isEqualTo(claim.path("metadata").path("name").asText());
            assertThat(m.path("mountPath").asText()).isEqualTo(stateDir);
        });
        assertThat(env).containsKey("TANDEM_STREAMS_NUM_STANDBY_REPLICAS");
        assertThat(Chart.ofKind(objects, "PodDisruptionBudget")).hasSize(1);
    }
}
