package dev.tandem.inference;

import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.testdata.TinyModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The model versions the lifecycle tests switch between, under {@code <root>/tiny/}: two real SavedModels that score
 * differently, one TensorFlow cannot read (with a valid spec), and a good SavedModel whose spec the configured
 * model's rows cannot feed.
 */
public record ModelVersions(Path v1, Path v2, Path garbage, Path mismatch) {

    public static ModelVersions create(Path root) throws Exception {
        Path v1 = TinyModels.train(root, "v1", 7);
        Path v2 = TinyModels.train(root, "v2", 8);
        Path garbage = Files.createDirectories(root.resolve(TinyModels.NAME).resolve("v-garbage"));
        Files.copy(v1.resolve(FeatureSpec.FILE_NAME), garbage.resolve(FeatureSpec.FILE_NAME));
        byte[] junk = new byte[4096];
        new Random(3).nextBytes(junk);
        Files.write(garbage.resolve("saved_model.pb"), junk);
        Path mismatch = root.resolve(TinyModels.NAME).resolve("v-mismatch");
        copyTree(v1, mismatch);
        Files.writeString(
                mismatch.resolve(FeatureSpec.FILE_NAME),
                TinyModels.SPEC.withSequenceLength(9).toJson());
        return new ModelVersions(v1, v2, garbage, mismatch);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            all.forEach(p -> {
                try {
                    Path target = to.resolve(from.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(p, target);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
