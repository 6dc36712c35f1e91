package dev.tandem.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.schemas.testing.Schemas;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.AvroTypeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaParseException;
import org.junit.jupiter.api.Test;

/**
 * Every schema in {@code src/main/avro} must read data written with every released version of
 * it, kept in {@code src/test/resources/schema-history/<Name>/vN.avsc}. Transitive on purpose:
 * compacted topics (items, user-features) keep v1 records forever.
 *
 * <p>Releasing a change: add the new schema as the next {@code vN.avsc} (from
 * {@code Schema.toString(true)}, self-contained). A new top-level schema needs its {@code v1.avsc}.
 */
class SchemaHistoryCompatibilityTest {
    private static final Path SOURCES = Path.of("src/main/avro");
    private static final Path HISTORY = Path.of("src/test/resources/schema-history");

    @Test
    void everySchemaReadsDataOfEveryReleasedVersion() throws IOException {
        Map<String, Schema> current = parseSources();
        assertThat(current)
                .containsKeys(
                        "dev.tandem.schemas.UserEvent",
                        "dev.tandem.schemas.ItemMetadata",
                        "dev.tandem.schemas.UserFeatures",
                        "dev.tandem.schemas.ScoringRequest",
                        "dev.tandem.schemas.Prediction",
                        "dev.tandem.schemas.Action");
        List<String> problems = new ArrayList<>();
        for (Schema schema : current.values()) {
            List<Path> versions = history(schema.getName());
            if (versions.isEmpty()) {
                problems.add(schema.getFullName() + " has no history: add "
                        + HISTORY.resolve(schema.getName()).resolve("v1.avsc"));
                continue;
            }
            for (Path v : versions) {
                Schema released = new Schema.Parser().parse(v.toFile());
                if (!released.getFullName().equals(schema.getFullName())) {
                    problems.add(v + " holds " + released.getFullName() + ", not " + schema.getFullName());
                }
                problems.addAll(backwardProblems(schema, released, v.toString()));
            }
        }
        assertThat(problems).as("schema history problems").isEmpty();
    }

    @Test
    void theCheckCatchesABreakingChange() throws IOException {
        Schema released = new Schema.Parser().parse(history("UserEvent").get(0).toFile());
        Schema breaking = Schemas.withField(released, "{\"name\":\"tenant\",\"type\":\"string\"}");
        assertThat(backwardProblems(breaking, released, "v1"))
                .singleElement()
                .asString()
                .contains("tenant")
                .contains("READER_FIELD_MISSING_DEFAULT_VALUE");
        Schema compatible = Schemas.withField(released, "{\"name\":\"tenant\",\"type\":\"string\",\"default\":\"\"}");
        assertThat(backwardProblems(compatible, released, "v1")).isEmpty();
    }

    private static List<String> backwardProblems(Schema reader, Schema writer, String writerName) {
        var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer)
                .getResult();
        List<String> out = new ArrayList<>();
        for (var i : result.getIncompatibilities()) {
            out.add(reader.getFullName() + " cannot read data written with " + writerName + ": " + i.getType() + " at "
                    + i.getLocation() + ": " + i.getMessage());
        }
        return out;
    }

    /** The top-level schema of each file, parsed with one parser so files can name each other's types. */
    private static Map<String, Schema> parseSources() throws IOException {
        List<Path> pending;
        try (Stream<Path> files = Files.list(SOURCES)) {
            pending = new ArrayList<>(
                    files.filter(f -> f.toString().endsWith(".avsc")).sorted().toList());
        }
        Map<String, Schema> out = new LinkedHashMap<>();
        List<Path> parsed = new ArrayList<>();
        // Dependency order without a manifest: parse what can be parsed, retry the rest. Each try on a fresh parser
        // fed the files parsed so far, since a failed parse may leave the nested types it defined behind.
        while (!pending.isEmpty()) {
            int before = pending.size();
            for (var it = pending.iterator(); it.hasNext(); ) {
                Path f = it.next();
                try {
                    Schema.Parser parser = new Schema.Parser();
                    for (Path p : parsed) parser.parse(p.toFile());
                    Schema s = parser.parse(f.toFile());
                    out.put(s.getFullName(), s);
                    parsed.add(f);
                    it.remove();
                } catch (SchemaParseException | AvroTypeException undefinedNameYet) {
                    // A type defined by a file not parsed yet.
                }
            }
            if (pending.size() == before)
                throw new IllegalStateException("Cannot parse " + pending + " (undefined types?)");
        }
        return out;
    }

    private static List<Path> history(String name) throws IOException {
        Path dir = HISTORY.resolve(name);
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().matches("v\\d+\\.avsc"))
                    .sorted(Comparator.comparingInt(
                            f -> Integer.parseInt(f.getFileName().toString().replaceAll("\\D", ""))))
                    .toList();
        }
    }
}
