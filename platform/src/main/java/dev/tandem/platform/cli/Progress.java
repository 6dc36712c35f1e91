package dev.tandem.platform.cli;

import java.io.PrintStream;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar (rate, percent, ETA) on a terminal, nothing otherwise: piped output and CI
 * logs get only the command's final summary line instead of a redraw per update.
 */
public final class Progress implements AutoCloseable {
    private final ProgressBar bar;

    private Progress(ProgressBar bar) {
        this.bar = bar;
    }

    public static boolean interactive() {
        return System.console() != null;
    }

    /**
     * @param unit      e.g. "ev" or "MB"
     * @param unitSize  steps per unit (1 for events, 2^20 for MB of input)
     */
    public static Progress start(String task, long total, String unit, long unitSize) {
        if (!interactive()) return new Progress(null);
        ProgressBar bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                .setUnit(" " + unit, unitSize)
                .setUpdateIntervalMillis(250)
                .showSpeed()
                .build();
        return new Progress(bar);
    }

    public static Progress none() {
        return new Progress(null);
    }

    public void stepTo(long n, String extra) {
        if (bar == null) return;
        bar.stepTo(n);
        if (extra != null) bar.setExtraMessage(extra);
    }

    public boolean visible() {
        return bar != null;
    }

    @Override
    public void close() {
        if (bar != null) bar.close();
    }

    /** Rates like "312k ev/s" for the bar's extra message. */
    static String rate(long events, long startNanos) {
        double s = (System.nanoTime() - startNanos) / 1e9;
        double r = s > 0 ? events / s : 0;
        return r >= 1e6
                ? String.format("%.2fM ev/s", r / 1e6)
                : r >= 1e3 ? String.format("%.0fk ev/s", r / 1e3) : String.format("%.0f ev/s", r);
    }

    static void printErr(PrintStream err, String line) {
        err.println(line);
        err.flush();
    }
}
