package dev.tandem.bench;

/**
 * A benchmark scenario: a name ({@code tandem bench <name>}) and the picocli command that runs it,
 * usually a subclass of {@link ScenarioCommand}, which supplies the environment and the report.
 */
interface BenchScenario {
    String name();

    Object command();
}
