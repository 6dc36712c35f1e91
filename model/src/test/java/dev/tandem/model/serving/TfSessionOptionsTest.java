package dev.tandem.model.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.datasets.generator.GeneratorConfig;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.model.data.ExampleBuilder;
import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.data.FunnelConfig;
import dev.tandem.model.features.EncodedBatch;
import dev.tandem.model.features.FeatureEncoder;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.testdata.GeneratedLog;
import dev.tandem.model.train.TrainedModel;
import dev.tandem.model.train.Trainer;
import dev.tandem.model.zoo.ModelConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.ConfigProto;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TfSessionOptionsTest {
    @Test
    void optionsBecomeTheSessionConfig() {
        ConfigProto c = new TfSessionOptions(true, "0, 2").toConfigProto();
        assertThat(c.getGpuOptions().getAllowGrowth()).isTrue();
        assertThat(c.getGpuOptions().getVisibleDeviceList()).isEqualTo("0,2");
        assertThat(c.getIntraOpParallelismThreads()).isEqualTo(1);
        assertThat(c.getInterOpParallelismThreads()).isEqualTo(-1);

        ConfigProto d = new TfSessionOptions(false, "").toConfigProto();
        assertThat(d.getGpuOptions().getAllowGrowth()).isFalse();
        assertThat(d.getGpuOptions().getVisibleDeviceList()).isEmpty();
        assertThat(TfSessionOptions.defaults()).isEqualTo(new TfSessionOptions(true, null));
    }

    @Test
    void aDeviceListThatIsNotIndicesIsRefused() {
        assertThatThrownBy(() -> new TfSessionOptions(true, "GPU:0"))
                .hasMessageContaining("comma-separated device indices");
        assertThatThrownBy(() -> new TfSessionOptions(true, "0,,1")).hasMessageContaining("'0,,1'");
    }

    @Test
    void theSessionSeesAtLeastTheCpu() {
        List<TfDevices.Device> devices = TfDevices.visible(TfSessionOptions.defaults());
        assertThat(devices).anySatisfy(d -> {
            assertThat(d.type()).isEqualTo("CPU");
            assertThat(d.name()).endsWith("device:CPU:0");
        });
    }

    @Test
    void placementNamesTheDevicesThatRanTheModel(@TempDir Path out) throws Exception {
        FeatureSpec spec = FeatureSpec.defaults().withSequenceLength(5).withBuckets(512, 64, 16);
        GeneratedLog log = new GeneratedLog(GeneratorConfig.of(40, 200, 2_000, 3));
        ExampleSet data = new ExampleBuilder(
                        new FeatureEncoder(spec),
                        SequencePolicy.defaults(),
                        new FunnelConfig(FunnelConfig.defaults().stages(), Duration.ofHours(1), 0.7))
                .build(log.events);
        ModelConfig config = ModelConfig.defaults().withName("devices").withTraining(0.005, 256, 1, 0, 5);
        try (TrainedModel model = new Trainer(config, null).train(data)) {
            Path dir = model.export(out, "v1");
            try (FunnelScorer scorer =
                    FunnelScorer.load(dir, spec, data.stageNames(), new TfSessionOptions(true, ""))) {
                Map<String, Integer> placement = scorer.placement();
                assertThat(placement).isNotEmpty();
                assertThat(placement.values()).allSatisfy(n -> assertThat(n).isPositive());
                List<String> visible = TfDevices.visible(TfSessionOptions.defaults()).stream()
                        .map(TfDevices.Device::name)
                        .toList();
                // every device that ran ops is one the session sees (GPU traces add ".../stream:N" pseudo-devices)
                assertThat(placement.keySet())
                        .allSatisfy(d -> assertThat(visible)
                                .anySatisfy(v -> assertThat(d).startsWith(v)));
                // tracing does not disturb scoring
                EncodedBatch rows = new EncodedBatch(spec, 1);
                rows.setRows(1);
                assertThat(scorer.score(rows)).hasSize(data.stageNames().size());
            }
        }
    }
}
