package dev.tandem.model.eval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.features.eval.Evaluation;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CalibrationPlotTest {
    @Test
    void writesADecodablePngEvenForAStageWithoutAnyEvaluatedRow(@TempDir Path dir) throws Exception {
        float[] p = {0.01f, 0.02f, 0.03f, 0.15f, 0.2f, 0.04f};
        float[] y = {0, 0, 1, 1, 0, 0};
        Map<String, List<Evaluation.CalibrationBin>> bins = new LinkedHashMap<>();
        bins.put("CART", Evaluation.calibration(p, y, null, 10));
        bins.put("PURCHASE", Evaluation.calibration(p, y, new float[6], 10)); // every row censored: every bin empty
        Path png = dir.resolve(CalibrationPlot.FILE_NAME);

        CalibrationPlot.write(png, "test", bins);

        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img).isNotNull();
        assertThat(img.getWidth()).isEqualTo(CalibrationPlot.WIDTH);
        assertThat(img.getHeight()).isEqualTo(CalibrationPlot.HEIGHT);
    }
}
