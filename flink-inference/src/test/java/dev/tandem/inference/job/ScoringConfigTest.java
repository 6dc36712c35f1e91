package dev.tandem.inference.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class ScoringConfigTest {
    @Test
    void propertiesAreReadAndEnvironmentVariablesOverrideThem() {
        Properties p = new Properties();
        p.setProperty("scoring.max-batch-rows", "512");
        p.setProperty("scoring.max-wait-ms", "3");
        p.setProperty("scoring.stages", "CART, PURCHASE");
        ScoringConfig c = ScoringConfig.from(p, Map.of("TANDEM_SCORING_MAX_BATCH_ROWS", "1024", "TANDEM_SCORING_MODEL_DIR", "/m/funnel/v1"));
        assertThat(c.maxBatchRows()).isEqualTo(1024);
        assertThat(c.maxWait()).isEqualTo(Duration.ofMillis(3));
        assertThat(c.modelDir()).isEqualTo("/m/funnel/v1");
        assertThat(c.stages()).containsExactly("CART", "PURCHASE");
        assertThat(c.checkpointInterval()).isEqualTo(ScoringConfig.defaults().checkpointInterval());
    }

    @Test
    void gpuOptionsAreReadIntoTheSessionConfig() {
        assertThat(ScoringConfig.defaults().gpu().toConfigProto().getGpuOptions().getAllowGrowth()).isTrue();
        assertThat(ScoringConfig.defaults().gpu().visibleDevices()).isEmpty();

        Properties p = new Properties();
        p.setProperty("scoring.gpu.memory-growth", "false");
        p.setProperty("scoring.gpu.visible-devices", "0");
        ScoringConfig c = ScoringConfig.from(p, Map.of("TANDEM_SCORING_GPU_VISIBLE_DEVICES", "1,3"));
        var gpu = c.gpu().toConfigProto().getGpuOptions();
        assertThat(gpu.getAllowGrowth()).isFalse();
        assertThat(gpu.getVisibleDeviceList()).isEqualTo("1,3");
        assertThat(c.withBatching(8, Duration.ZERO).withParallelism(2).gpu()).isEqualTo(c.gpu());

        assertThatThrownBy(() -> ScoringConfig.from(new Properties(), Map.of("TANDEM_SCORING_GPU_MEMORY_GROWTH", "yes")))
                .hasMessageContaining("scoring.gpu.memory-growth must be true or false, was 'yes'");
        p.setProperty("scoring.gpu.visible-devices", "cuda:0");
        assertThatThrownBy(() -> ScoringConfig.from(p, Map.of())).hasMessageContaining("'cuda:0'");
    }

    @Test
    void nonsenseIsRefused() {
        assertThatThrownBy(() -> ScoringConfig.defaults().withBatching(0, Duration.ZERO)).hasMessageContaining("maxBatchRows");
        assertThatThrownBy(() -> ScoringConfig.defaults().withBatching(1, Duration.ofMillis(-1))).hasMessageContaining("maxWait");
    }
}
