package dev.tandem.testkit.connect;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * A connector to create or update: its name and config, read from what Connect's own tools take: a JSON file as
 * {@code POST /connectors} takes it ({@code {"name": ..., "config": {...}}}) or a {@code .properties} file as
 * {@code connect-standalone} takes it ({@code name=...} and the config keys).
 */
public record ConnectorFile(Path source, String name, Map<String, String> config) {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    public ConnectorFile {
        config = Map.copyOf(config);
    }

    /** @throws IllegalArgumentException naming the file and what is wrong with it, in one line */
    public static ConnectorFile read(Path file) {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("connector file not found: " + file);
        try {
            return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".properties")
                    ? properties(file)
                    : json(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read connector file " + file + ": " + e.getMessage(), e);
        }
    }

    private static ConnectorFile properties(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        Map<String, String> config = new TreeMap<>();
        p.stringPropertyNames().forEach(k -> config.put(k, p.getProperty(k)));
        String name = config.remove("name");
        if (name == null || name.isBlank()) throw new IllegalArgumentException(file + ": no 'name' property");
        requireClass(file, config);
        return new ConnectorFile(file, name.strip(), config);
    }

    private static ConnectorFile json(Path file) throws IOException {
        JsonNode root;
        try {
            root = MAPPER.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + " is not JSON: " + e.getOriginalMessage() + " (line "
                    + e.getLocation().getLineNr() + ")");
        }
        if (root == null
                || !root.isObject()
                || !root.path("name").isTextual()
                || !root.path("config").isObject()) {
            throw new IllegalArgumentException(
                    file + ": expected {\"name\": \"...\", \"config\": {...}} (or a .properties file)");
        }
        String name = root.get("name").asText().strip();
        if (name.isEmpty()) throw new IllegalArgumentException(file + ": 'name' is empty");
        Map<String, String> config = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.get("config").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (!v.isValueNode() || v.isNull()) {
                throw new IllegalArgumentException(
                        file + ": config '" + e.getKey() + "' must be a string, number or boolean");
            }
            config.put(e.getKey(), v.asText());
        }
        String inner = config.remove("name");
        if (inner != null && !inner.equals(name)) {
            throw new IllegalArgumentException(
                    file + ": config 'name' (" + inner + ") differs from the connector's name (" + name + ")");
        }
        requireClass(file, config);
        return new ConnectorFile(file, name, config);
    }

    private static void requireClass(Path file, Map<String, String> config) {
        String c = config.get("connector.class");
        if (c == null || c.isBlank()) throw new IllegalArgumentException(file + ": no 'connector.class'");
    }
}
