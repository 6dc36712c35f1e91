package dev.tandem.inference.core;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a model-control command says a model is: a directory path or a {@code file:} URI. Other
 * URI schemes ({@code s3:}, {@code gs:}, {@code hdfs:}, {@code http:} …) are refused: the task
 * manager would have to fetch the model itself, and a half-copied SavedModel must never be
 * loaded; stage remote models onto a volume every task manager mounts instead.
 */
public final class ModelLocations {
    private ModelLocations() {}

    /** @throws IllegalArgumentException with the reason when {@code location} is not a readable model directory */
    public static Path resolve(String location) {
        if (location == null || location.isBlank()) {
            throw new IllegalArgumentException("no model location given");
        }
        Path dir;
        int colon = location.indexOf(':');
        // "C:\models" style paths have a one-letter "scheme"; anything longer before ':' and before a '/' is a URI
        // scheme
        int slash = location.indexOf('/');
        boolean hasScheme = colon > 1 && (slash < 0 || colon < slash);
        if (hasScheme) {
            String scheme = location.substring(0, colon);
            if (!scheme.equalsIgnoreCase("file")) {
                throw new IllegalArgumentException(
                        "model location scheme '" + scheme + ":' is not supported (use a directory path or a file: URI "
                                + "on a volume every task manager mounts): " + location);
            }
            try {
                dir = Path.of(new URI(location));
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw new IllegalArgumentException("malformed file: URI " + location + ": " + e.getMessage(), e);
            }
        } else {
            dir = Path.of(location);
        }
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("model location " + location + " is not a directory");
        }
        return dir;
    }
}
