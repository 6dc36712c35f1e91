package dev.tandem.helm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The walker that makes "unknown fields rejected" hold: it must see a misspelt field deep in a pod spec. */
class UnknownFieldsTest {
    @Test
    void aMisspeltFieldDeepInAPodSpecIsFound() throws Exception {
        var deployment = Chart.JSON.readTree("""
                {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
                 "spec": {"replicas": 1, "template": {"spec": {"containers": [
                   {"name": "c", "image": "i", "resources": {"limits": {"cpu": "1"}},
                    "readinesProbe": {"httpGet": {"path": "/ready", "port": 80}}}]}}}}
                """);

        assertThat(Typed.unknownFields(Typed.parse(deployment)))
                .containsExactly("spec.template.spec.containers[0].readinesProbe");
    }

    @Test
    void aWellFormedObjectHasNone() throws Exception {
        var service = Chart.JSON.readTree("""
                {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x", "labels": {"a": "b"}},
                 "spec": {"selector": {"a": "b"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}}
                """);

        assertThat(Typed.unknownFields(Typed.parse(service))).isEmpty();
    }
}
