package dev.tandem.bench;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/**
 * What every scenario on Kafka shares: where to run ({@link BenchKafkaOptions}), where to write the JSON
 * ({@link ReportFile}), and the run itself: check the options, open the environment, measure, write the report.
 * A scenario implements {@link #measure}.
 */
public abstract class ScenarioCommand implements Callable<Integer> {
    @Spec
    protected CommandLine.Model.CommandSpec spec;

    @Mixin
    ReportFile report;

    @Mixin
    BenchKafkaOptions kafka;

    protected abstract String scenario();

    /** Runs the measurement; the metrics go into the report in insertion order. */
    protected abstract Map<String, ?> measure(BenchEnvironment env, PrintWriter out) throws Exception;

    /** Checks scenario options before anything starts. */
    protected void validate() {}

    /** Appended to the first line of output ("bench NAME on ENVIRONMENT"). */
    protected String details() {
        return "";
    }

    @Override
    public final Integer call() throws Exception {
        CommandLine cl = spec.commandLine();
        report.requireDirectory(cl);
        kafka.validate(cl);
        validate();
        RunInfo run = RunInfo.begin();
        PrintWriter out = cl.getOut();
        Map<String, ?> metrics;
        try (BenchEnvironment env = kafka.open()) {
            out.println("bench " + scenario() + " on " + env.describe() + details());
            out.flush();
            metrics = measure(env, out);
        }
        report.write(scenario(), run.end(), metrics, out);
        return 0;
    }
}
