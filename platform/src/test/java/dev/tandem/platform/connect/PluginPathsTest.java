package dev.tandem.platform.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginPathsTest {
    @TempDir
    Path dir;

    @Test
    void aDistributionLooksNextToItsLibThenTheBuildDirs() throws Exception {
        Path jar = Files.createDirectories(dir.resolve("home/lib")).resolve("tandem-platform.jar");
        Files.writeString(jar, "");
        assertThat(PluginPaths.candidates(jar, dir.resolve("cwd")))
                .startsWith(dir.resolve("home/plugin"), dir.resolve("home/lib/connectors/target/plugin"))
                .endsWith(dir.resolve("cwd/connectors/target/plugin"));
    }

    @Test
    void aCheckoutFindsTheConnectorsModulesBuild() throws Exception {
        Path classes = Files.createDirectories(dir.resolve("repo/platform/target/classes"));
        assertThat(PluginPaths.candidates(classes, dir.resolve("elsewhere")))
                .contains(dir.resolve("repo/connectors/target/plugin"));
    }

    @Test
    void thePluginsOwnDirIsRefusedItsParentAccepted() throws Exception {
        Path parent = Files.createDirectories(dir.resolve("plugin"));
        Path own = Files.createDirectories(parent.resolve("tandem-connectors"));
        Files.writeString(own.resolve("tandem-connectors-1.0.jar"), "");
        Files.writeString(own.resolve("lettuce-core-7.jar"), "");
        PluginPaths.validate(parent);
        assertThatThrownBy(() -> PluginPaths.validate(own))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is the plugin's own dir")
                .hasMessageContaining(parent.toString());
        assertThatThrownBy(() -> PluginPaths.validate(dir.resolve("none"))).hasMessageContaining("not a directory");
    }
}
