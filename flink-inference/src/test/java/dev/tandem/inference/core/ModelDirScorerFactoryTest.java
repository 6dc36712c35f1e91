package dev.tandem.inference.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.inference.Fixtures;
import dev.tandem.model.features.FeatureSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelDirScorerFactoryTest {

    @Test
    void encodesWithTheDirectorysSpecAndHandsItToTheScorerAfterAJobGraphRoundTrip(@TempDir Path dir) throws Exception {
        FeatureSpec spec = FeatureSpec.defaults().withSequenceLength(5);
        spec.write(dir);
        BatchScorerFactory f = new ModelDirScorerFactory(
                dir,
                Fixtures.STAGES,
                (modelDir, s, stages) -> new Fixtures.FakeScorerFactory(
                                "model-dir-" + modelDir.getFileName() + "-" + s.sequenceLength())
                        .create());

        BatchScorerFactory shipped = roundTrip(f);
        assertThat(((ModelDirScorerFactory) shipped).modelDir()).isEqualTo(dir.toString());
        assertThat(((ModelDirScorerFactory) shipped).stages()).isEqualTo(List.of("CART", "PURCHASE"));
        assertThat(shipped.encoderSpec()).isEqualTo(spec);
        try (BatchScorer s = shipped.create()) {
            assertThat(s.modelVersion()).isEqualTo("1");
        }
        assertThat(Fixtures.SCORERS).containsKey("model-dir-" + dir.getFileName() + "-5");
        assertThatThrownBy(() -> shipped.create(new ModelRef("m", "2", dir.toString())))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    private static BatchScorerFactory roundTrip(BatchScorerFactory f) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(f);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (BatchScorerFactory) in.readObject();
        }
    }
}
