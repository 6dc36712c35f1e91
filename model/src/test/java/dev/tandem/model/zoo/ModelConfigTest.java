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
        assertThatThrownBy(() -> ModelConfig.fromJson("{\"architecture\": \"resnet\"}"))
                .hasMessageContaining("'architecture'");
        assertThatThrownBy(() -> ModelConfig.fromJson("{\"embeddingDim\": \"wide\"}"))
                .hasMessageContaining("'embeddingDim'");
        assertThatThrownBy(() -> ModelConfig.fromJson("{\"hidden\": [64, \"x\"]}"))
                .hasMessageContaining("hidden");
        assertThatThrownBy(() -> ModelConfig.fromJson("{\"learningRate\": 5}")).hasMessageContaining("'learningRate'");
        assertThatThrownBy(() -> ModelConfig.fromJson("{\"expertz\": 4}")).hasMessageContaining("expertz");
        assertThatThrownBy(() -> ModelConfig.fromJson("{\"name\": ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ModelConfig.fromJson("{\"auxiliary\": {\"next_category\": {\"weight\": 0}}}"))
                .hasMessageContaining("'auxiliary.next_category.weight'");
        assertThatThrownBy(() -> ModelConfig.fromJson("{\"auxiliary\": {\"next_item\": {}}}"))
                .hasMessageContaining("auxiliary.next_item");
        assertThatThrownBy(() -> ModelConfig.fromJson("{\"auxiliary\": {\"next_category\": {\"weight\": \"high\"}}}"))
                .hasMessageContaining("auxiliary.next_category.weight");
    }

    @Test
    void theAuxiliaryTaskIsOffByDefaultAndAbsentFromItsJson() {
        assertThat(ModelConfig.defaults().nextCategoryWeight()).isZero();
        assertThat(ModelConfig.defaults().toJson()).doesNotContain("auxiliary");
        ModelConfig on = ModelConfig.fromJson("{\"auxiliary\": {\"next_category\": {\"weight\": 0.25}}}");
        assertThat(on.nextCategoryWeight()).isEqualTo(0.25);
        assertThat(on.toJson()).contains("\"next_category\"");
        assertThat(ModelConfig.fromJson(on.toJson())).isEqualTo(on);
        assertThat(ModelConfig.fromJson("{\"auxiliary\": {\"next_category\": {}}}")
                        .nextCategoryWeight())
                .isEqualTo(0.1);
        assertThat(on.withTraining(0.01, 64, 1, 0, 1).nextCategoryWeight()).isEqualTo(0.25);
        assertThat(on.withNextCategoryTask(0)).isEqualTo(ModelConfig.defaults());
    }

    @Test
    void theArchitectureAndEncoderCodesAreTheEnumsAndParseBothWays() {
        assertThat(ModelConfig.ARCHITECTURES).containsExactly("shared_bottom", "mmoe", "ple", "linear");
        assertThat(ModelConfig.SEQUENCE_ENCODERS).containsExactly("mean", "target_attention", "transformer");
        for (Architecture a : Architecture.values()) {
            assertThat(Architecture.of(a.code())).isEqualTo(a);
            for (SequenceEncoder e : SequenceEncoder.values()) {
                assertThat(SequenceEncoder.of(e.code())).isEqualTo(e);
                ModelConfig c = ModelConfig.defaults().withArchitecture(a.code(), e.code());
                assertThat(c.architectureType()).isEqualTo(a);
                assertThat(c.sequenceEncoderType()).isEqualTo(e);
                assertThat(ModelConfig.fromJson(c.toJson())).isEqualTo(c);
                assertThat(c.toJson())
                        .contains("\"" + a.code() + "\"", "\"" + e.code() + "\"")
                        .doesNotContain("Type");
            }
        }
        assertThat(ModelConfig.defaults().architectureType()).isEqualTo(Architecture.MMOE);
        assertThat(ModelConfig.defaults().sequenceEncoderType()).isEqualTo(SequenceEncoder.TARGET_ATTENTION);
        assertThatThrownBy(() -> Architecture.of("MMOE"))
                .hasMessage("architecture must be one of [shared_bottom, mmoe, ple, linear], was 'MMOE'");
        assertThatThrownBy(() -> SequenceEncoder.of("lstm"))
                .hasMessage("sequenceEncoder must be one of [mean, target_attention, transformer], was 'lstm'");
        assertThatThrownBy(() -> ModelConfig.defaults().withArchitecture("mmoe", "lstm"))
                .hasMessage("field 'sequenceEncoder' must be one of [mean, target_attention, transformer], was 'lstm'");
    }

    /** The demo's model cache is keyed by it: any setting, and an older release's other defaults, must change it. */
    @Test
    void theFingerprintFollowsEverySettingAndOnlyThem() {
        ModelConfig d = ModelConfig.defaults();
        assertThat(d.fingerprint())
                .matches("[0-9a-f]{8}")
                .isEqualTo(ModelConfig.fromJson("{}").fingerprint());
        assertThat(ModelConfig.fromJson(d.toJson()).fingerprint()).isEqualTo(d.fingerprint());
        assertThat(java.util.List.of(
                        d.withItemRates(false),
                        d.withWide(false),
                        d.withTraining(0.003, 256, 10, 2, 43),
                        d.linearPart(),
                        d.withNextCategoryTask(0.1)))
                .extracting(ModelConfig::fingerprint)
                .doesNotContain(d.fingerprint())
                .doesNotHaveDuplicates();
    }

    @Test
    void absentRegularisationIsChosenFromTheNumberOfFitExamplesAndAConfiguredOneIsKept() {
        ModelConfig d = ModelConfig.defaults();
        assertThat(d.regularizationAutomatic()).isTrue();
        assertThat(d.dropoutRate()).isZero();
        ModelConfig small = d.withRegularizationFor(2_000);
        assertThat(small.dropout()).isEqualTo(0.5);
        assertThat(small.l2()).isEqualTo(0.001);
        ModelConfig large = d.withRegularizationFor(1_000_000);
        assertThat(large.dropout()).isEqualTo(0.05);
        assertThat(large.l2()).isEqualTo(1e-5);
        assertThat(large.regularizationAutomatic()).isFalse();
        ModelConfig fixed = ModelConfig.fromJson("{\"dropout\": 0, \"l2\": 0.01}");
        assertThat(fixed.withRegularizationFor(100)).isEqualTo(fixed);
        assertThat(ModelConfig.fromJson("{\"dropout\": 0.2}")
                        .withRegularizationFor(40_000)
                        .l2())
                .isEqualTo(2.5e-4);
        assertThatThrownBy(() -> ModelConfig.fromJson("{\"dropout\": 0.95}")).hasMessageContaining("dropout");
    }
}
