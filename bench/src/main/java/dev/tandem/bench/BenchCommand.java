package dev.tandem.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code tandem bench <scenario>}: the scenarios come from {@link BenchScenarios}. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Runs a benchmark scenario and writes its metrics as JSON ({\"scenario\": …, \"metrics\": {…}}).")
public final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(),
                "missing scenario, one of: "
                        + String.join(", ", spec.commandLine().getSubcommands().keySet()));
    }

    /** Adds every registered scenario as a subcommand of {@code bench}. */
    public static void registerScenarios(CommandLine bench) {
        for (BenchScenario s : BenchScenarios.all()) bench.addSubcommand(s.name(), s.command());
    }
}
