package dev.tandem.inference.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelLocationsTest {
    @TempDir
    Path root;

    @Test
    void aDirectoryPathOrAFileUriResolvesToTheDirectory() throws Exception {
        Path dir = Files.createDirectories(root.resolve("tiny").resolve("v2"));
        assertThat(ModelLocations.resolve(dir.toString())).isEqualTo(dir);
        assertThat(ModelLocations.resolve(dir.toUri().toString())).isEqualTo(dir);
        assertThat(ModelLocations.resolve("file://" + dir)).isEqualTo(dir);
    }

    @Test
    void otherSchemesMissingDirectoriesAndBlanksAreRefusedWithTheReason() throws Exception {
        assertThatThrownBy(() -> ModelLocations.resolve("s3://bucket/tiny/v2"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scheme 's3:' is not supported")
                .hasMessageContaining("s3://bucket/tiny/v2");
        assertThatThrownBy(() -> ModelLocations.resolve("hdfs:/models/tiny/v2")).hasMessageContaining("'hdfs:'");
        assertThatThrownBy(() -> ModelLocations.resolve(root.resolve("nope").toString()))
                .hasMessageContaining("is not a directory");
        Path file = Files.writeString(root.resolve("saved_model.pb"), "x");
        assertThatThrownBy(() -> ModelLocations.resolve(file.toString())).hasMessageContaining("is not a directory");
        assertThatThrownBy(() -> ModelLocations.resolve(" ")).hasMessageContaining("no model location");
        assertThatThrownBy(() -> ModelLocations.resolve(null)).hasMessageContaining("no model location");
    }

    @Test
    void theControlSnapshotSurvivesItsJsonRoundTrip() {
        ModelCommand waiting = ModelCommand.of(
                ModelCommand.Kind.ACTIVATE,
                "tiny",
                "v3",
                "/m/tiny/v3",
                42,
                "c-1",
                RawRecord.of("model-control", 0, 7, 8, "tiny".getBytes(), new byte[] {0, 1, 2}));
        ControlSnapshot s = new ControlSnapshot(
                new ModelRef("tiny", "v2", "/m/tiny/v2"),
                List.of(new ModelRef("tiny", "v1", null)),
                new ModelRef("tiny", "v4", "file:/m/tiny/v4"),
                List.of(new ModelRef("tiny", "v5", "/m/tiny/v5")),
                List.of(waiting));
        ControlSnapshot back = ControlSnapshot.fromJson(s.toJson());
        assertThat(back.active()).isEqualTo(s.active());
        assertThat(back.previous()).isEqualTo(s.previous());
        assertThat(back.shadow()).isEqualTo(s.shadow());
        assertThat(back.loaded()).isEqualTo(s.loaded());
        assertThat(back.pending()).singleElement().satisfies(c -> {
            assertThat(c.toString()).isEqualTo(waiting.toString());
            assertThat(c.source.value).containsExactly(0, 1, 2);
            assertThat(c.source.offset).isEqualTo(7);
        });
    }
}
