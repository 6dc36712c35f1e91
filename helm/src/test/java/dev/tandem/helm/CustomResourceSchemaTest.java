package dev.tandem.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.schemas.topics.TopicSpec;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * The Flink operator's and Strimzi's kinds against their CRD schemas (src/test/resources/crds: their Java
 * models clash with fabric8 8), and the pod templates inside a FlinkDeployment as fabric8 PodTemplateSpecs.
 */
class CustomResourceSchemaTest {
    static final List<String> SETS = Chart.SETS;

    static final Map<String, String> SCHEMAS = Map.of(
            "FlinkDeployment", "flinkdeployment.yaml",
            "KafkaTopic", "kafkatopic.yaml",
            "KafkaConnect", "kafkaconnect.yaml",
            "KafkaConnector", "kafkaconnector.yaml");

    private static final Map<String, JsonSchema> LOADED = new ConcurrentHashMap<>();

    static JsonSchema schema(String kind) {
        return LOADED.computeIfAbsent(kind, k -> {
            try (InputStream in = CustomResourceSchemaTest.class.getResourceAsStream("/crds/" + SCHEMAS.get(k))) {
                JsonNode node = Chart.YAML.readTree(in);
                return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                        .getSchema(node);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    static Set<ValidationMessage> validate(JsonNode o) {
        return schema(Chart.kind(o)).validate(o);
    }

    @ParameterizedTest
    @FieldSource("SETS")
    void everyCustomResourceMatchesItsCrdSchema(String set) {
        List<String> problems = new ArrayList<>();
        for (ObjectNode o : Chart.render(set)) {
            if (!SCHEMAS.containsKey(Chart.kind(o))) continue;
            validate(o).forEach(m -> problems.add(Chart.kind(o) + " " + Chart.name(o) + ": " + m.getMessage()));
        }
        assertThat(problems).isEmpty();
    }

    @ParameterizedTest
    @FieldSource("SETS")
    void theFlinkPodTemplatesAreValidPodTemplates(String set) {
        ObjectNode flink = Chart.ofKind(Chart.render(set), "FlinkDeployment").get(0);
        List<JsonNode> templates = List.of(
                flink.path("spec").path("podTemplate"),
                flink.path("spec").path("jobManager").path("podTemplate"),
                flink.path("spec").path("taskManager").path("podTemplate"));
        for (JsonNode t : templates) {
            if (t.isMissingNode()) continue;
            ObjectNode spec = ((ObjectNode) t.deepCopy()).without(List.of("apiVersion", "kind"));
            assertThat(Typed.unknownFields(Typed.podTemplate(spec))).isEmpty();
            for (JsonNode c : t.path("spec").path("containers"))
                assertThat(c.path("name").asText())
                        .as("the operator merges only its own container")
                        .isEqualTo("flink-main-container");
        }
    }

    @Test
    void aMisspeltFlinkDeploymentFieldIsRejected() {
        ObjectNode flink =
                Chart.ofKind(Chart.render("defaults"), "FlinkDeployment").get(0).deepCopy();
        ((ObjectNode) flink.path("spec").path("job")).put("entryclass", "x");
        ((ObjectNode) flink.path("spec")).put("flinkVersion", "v2_3");

        assertThat(validate(flink))
                .extracting(ValidationMessage::getMessage)
                .anyMatch(m -> m.contains("entryclass"))
                .anyMatch(m -> m.contains("flinkVersion"));
    }

    @Test
    void theStrimziTopicsAreTandemTopicsWithTheirPartitioningAndCleanupPolicy() {
        List<ObjectNode> topics = Chart.ofKind(Chart.render("strimzi"), "KafkaTopic");
        int partitions = topics.stream()
                .filter(t -> t.path("spec").path("topicName").asText().equals(TandemTopics.EVENTS))
                .findFirst()
                .orElseThrow()
                .path("spec")
                .path("partitions")
                .asInt();
        List<TopicSpec> expected = TandemTopics.all(partitions);

        assertThat(topics).hasSize(expected.size());
        for (TopicSpec e : expected) {
            assertThat(topics).as("KafkaTopic %s", e.name()).anySatisfy(t -> {
                JsonNode spec = t.path("spec");
                assertThat(spec.path("topicName").asText()).isEqualTo(e.name());
                assertThat(spec.path("partitions").asInt()).isEqualTo(e.partitions());
                assertThat(spec.path("config").path("cleanup.policy").asText())
                        .isEqualTo(e.configs().get("cleanup.policy"));
            });
        }
    }

    @Test
    void theTopicsJobCreatesEveryTandemTopic() {
        ObjectNode job = Chart.ofKind(Chart.render("secured"), "Job").stream()
                .filter(j -> Chart.component(j).equals("topics"))
                .findFirst()
                .orElseThrow();
        String script = job.path("spec")
                .path("template")
                .path("spec")
                .path("containers")
                .get(0)
                .path("args")
                .get(0)
                .asText();
        assertThat(Typed.unknownFields(Typed.parse(job))).isEmpty();

        for (TopicSpec t : TandemTopics.all(12))
            assertThat(script)
                    .contains("--topic " + t.name() + " --partitions " + t.partitions() + " ")
                    .contains("--entity-name " + t.name() + " --add-config cleanup.policy="
                            + t.configs().get("cleanup.policy"));
    }
}
