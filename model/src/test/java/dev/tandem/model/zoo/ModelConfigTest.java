package dev.tandem.model.zoo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ModelConfigTest {
    @Test
    void absentFieldsTakeTheDefaultsAndTheJsonRoundTrips() {
        ModelConfig c = ModelConfig.fromJson("{\"name\": \"m1\", \"architecture\": \"ple\", \"hidden\": [32, 16]}");
        assertThat(c.architecture()).isEqualTo("ple");
        assertThat(c.hidden()).containsExactly(32, 16);
        assertThat(c.sequenceEncoder()).isEqualTo("target_attention");
        assertThat(ModelConfig.fromJson(c.toJson())).isEqualTo(c);
    }

    @Test
    void aMalformedConfigNamesTheField() {
        assertThatThrownBy(() -> ModelConfig.fromJson("{\"architecture\": \"resnet\"}")).hasMessageContaining("'architecture'");
        assertThatThrownBy(() -> ModelConfig.fromJson("{\"embeddingDim\": \"wide\"}")).hasMessageContaining("'embeddingDim'");
        assertThatThrownBy(() -> ModelConfig.fromJson("{\"hidden\": [64, \"x\"]}")).hasMessageContaining("hidden");
        assertThatThrownBy(() -> ModelConfig.fromJson("{\"learningRate\": 5}")).hasMessageContaining("'learningRate'");
        assertThatThrownBy(() -> ModelConfig.fromJson("{\"expertz\": 4}")).hasMessageContaining("expertz");
        assertThatThrownBy(() -> ModelConfig.fromJson("{\"name\": ")).isInstanceOf(IllegalArgumentException.class);
    }
}
