package dev.tandem.model.eval;

import dev.tandem.features.eval.Evaluation;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The model card's reliability diagram as a PNG: per stage, the observed positive rate against the
 * mean predicted probability of each non-empty calibration bin, with the diagonal of a perfectly
 * calibrated model, both axes from 0 to just above the largest plotted value. Rendered off-screen (JFreeChart into a BufferedImage), so it needs no display.
 */
public final class CalibrationPlot {
    public static final String FILE_NAME = "calibration.png";
    public static final int WIDTH = 800;
    public static final int HEIGHT = 600;

    static {
        // trainers run on servers and CI without X; an explicit setting by the caller still wins
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private CalibrationPlot() {}

    /** Writes {@value #FILE_NAME}-style PNG of {@code bins} per stage (in the map's order) to {@code file}. */
    public static void write(Path file, String title, Map<String, List<Evaluation.CalibrationBin>> binsByStage)
            throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        List<XYSeries> curves = new java.util.ArrayList<>();
        double top = 0;
        for (Map.Entry<String, List<Evaluation.CalibrationBin>> e : binsByStage.entrySet()) {
            XYSeries s = new XYSeries(e.getKey());
            for (Evaluation.CalibrationBin b : e.getValue()) {
                // an empty bin has no observed rate: plotting it at 0 would invent miscalibration
                if (b.count() > 0 && Double.isFinite(b.meanPredicted()) && Double.isFinite(b.observedRate())) {
                    s.add(b.meanPredicted(), b.observedRate());
                    top = Math.max(top, Math.max(b.meanPredicted(), b.observedRate()));
                }
            }
            curves.add(s);
        }
        // rare late stages live near 0: zoom both axes alike (the diagonal stays the diagonal) to the data
        double upper = Math.min(1.0, Math.max(0.1, Math.ceil(top * 1.1 * 20) / 20));
        XYSeries diagonal = new XYSeries("perfectly calibrated");
        diagonal.add(0.0, 0.0);
        diagonal.add(upper, upper);
        data.addSeries(diagonal);
        curves.forEach(data::addSeries);
        JFreeChart chart = ChartFactory.createXYLineChart(
                title,
                "mean predicted probability",
                "observed rate",
                data,
                PlotOrientation.VERTICAL,
                true,
                false,
                false);
        chart.setBackgroundPaint(Color.WHITE);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.getDomainAxis().setRange(0.0, upper);
        plot.getRangeAxis().setRange(0.0, upper);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        r.setSeriesShapesVisible(0, false);
        r.setSeriesPaint(0, Color.GRAY);
        r.setSeriesStroke(
                0, new BasicStroke(1.0f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        plot.setRenderer(r);
        try (OutputStream out = Files.newOutputStream(file)) {
            ChartUtils.writeChartAsPNG(out, chart, WIDTH, HEIGHT);
        }
    }
}
