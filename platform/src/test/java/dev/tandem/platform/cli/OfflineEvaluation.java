package dev.tandem.platform.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.datasets.generator.EventFileFormat;
import dev.tandem.datasets.generator.EventFileWriter;
import dev.tandem.datasets.generator.GeneratedEvent;
import dev.tandem.datasets.generator.GeneratorConfig;
import dev.tandem.datasets.generator.SyntheticWorld;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** What the online paths' figures are held to: {@code tandem evaluate} of a model on a generated log. */
final class OfflineEvaluation {
    private OfflineEvaluation() {}

    /** The world's events as a JSON-lines file ({@code --format events}). */
    static Path writeEvents(GeneratorConfig config, Path file) throws IOException {
        try (EventFileWriter w = new EventFileWriter(file, EventFileFormat.EVENTS, null)) {
            for (Iterator<GeneratedEvent> it = SyntheticWorld.create(config).events(); it.hasNext(); ) {
                w.write(it.next());
            }
        }
        return file;
    }

    /** {@code tandem evaluate --json} of {@code model} on the events file, with {@code more} options: its "stages". */
    static JsonNode stages(Path model, Path events, Path json, String... more) throws IOException {
        List<String> args = new ArrayList<>(List.of(
                "evaluate",
                "--model",
                model.toString(),
                "--data",
                events.toString(),
                "--format",
                "events",
                "--json",
                json.toString()));
        args.addAll(List.of(more));
        CliRun eval = CliRun.run(args.toArray(String[]::new));
        System.out.println(eval.out());
        assertThat(eval.exitCode()).as(eval.err()).isZero();
        return new ObjectMapper().readTree(json.toFile()).path("stages");
    }
}
