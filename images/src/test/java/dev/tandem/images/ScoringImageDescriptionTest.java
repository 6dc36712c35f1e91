package dev.tandem.images;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The scoring job's images need a registry (the official Flink image as base), so here they are checked as what the
 * poms describe: base, where the job jar lands, Flink's entrypoint, and the -gpu variant.
 */
class ScoringImageDescriptionTest {
    private static Element root;
    private static Element flink;

    @BeforeAll
    static void parse() throws Exception {
        root = read(Images.ROOT.resolve("pom.xml"));
        flink = read(Images.ROOT.resolve("flink-inference/pom.xml"));
    }

    @Test
    void baseIsTheOfficialFlinkImageOfTheFlinkVersionWeBuildAgainst() {
        Element profile = profile(flink, "images-registry");
        String flinkVersion = text(child(root, "properties"), "flink.version");
        assertThat(text(child(profile, "properties"), "tandem.image.flink.base"))
                .isEqualTo("flink:${flink.version}-java17");
        assertThat(flinkVersion).matches("\\d+\\.\\d+\\.\\d+");
        assertThat(text(child(execution(), "configuration", "from"), "image")).isEqualTo("${tandem.image.flink.base}");
    }

    @Test
    void theJobJarLandsInUsrlibAndFlinksEntrypointStays() {
        Element config = child(execution(), "configuration");
        assertThat(config.getAttribute("combine.self"))
                .as("nothing of -Pimages' JVM-app settings (main, user, jlink runtime) merges in")
                .isEqualTo("override");
        assertThat(text(child(config, "container"), "entrypoint")).isEqualTo("INHERIT");
        Element path = child(config, "extraDirectories", "paths", "path");
        assertThat(text(path, "into")).isEqualTo("/opt/flink/usrlib");
        assertThat(text(path, "from")).isEqualTo("${project.build.directory}");
        assertThat(text(path, "includes")).isEqualTo("${project.build.finalName}-" + shadedClassifier() + ".jar");
        assertThat(text(
                        child(config, "pluginExtensions", "pluginExtension", "configuration", "filters", "filter"),
                        "glob"))
                .as("the module's class path (TensorFlow's natives again) is dropped from /app")
                .isEqualTo("/app/**");
        Element labels = child(config, "container", "labels");
        assertThat(text(labels, "org.opencontainers.image.revision")).isEqualTo("${tandem.image.revision}");
        assertThat(text(labels, "org.opencontainers.image.version")).isEqualTo("${project.version}");
        assertThat(text(child(config, "to"), "image"))
                .isEqualTo("${tandem.image.registry}/tandem-scoring:${project.version}${tandem.image.flink.variant}");
    }

    @Test
    void theGpuProfileSwitchesTheNativesAndTagsTheImage() {
        Element gpu = child(profile(root, "gpu"), "properties");
        assertThat(text(gpu, "tensorflow.native.classifier")).isEqualTo("linux-x86_64-gpu");
        assertThat(text(gpu, "tandem.image.flink.variant")).isEqualTo("-gpu");
        assertThat(text(child(root, "properties"), "tandem.image.flink.variant"))
                .isEmpty();
    }

    private static String shadedClassifier() {
        for (Element plugin : all(child(flink, "build", "plugins"), "plugin")) {
            if (text(plugin, "artifactId").equals("maven-shade-plugin")) {
                return text(child(plugin, "executions", "execution", "configuration"), "shadedClassifierName");
            }
        }
        throw new AssertionError("no shade plugin in flink-inference/pom.xml");
    }

    private static Element execution() {
        for (Element plugin : all(child(profile(flink, "images-registry"), "build", "plugins"), "plugin")) {
            if (text(plugin, "artifactId").equals("jib-maven-plugin")) {
                return child(plugin, "executions", "execution");
            }
        }
        throw new AssertionError("no jib-maven-plugin in the images-registry profile");
    }

    private static Element profile(Element project, String id) {
        for (Element p : all(child(project, "profiles"), "profile")) {
            if (text(p, "id").equals(id)) return p;
        }
        throw new AssertionError("no profile " + id);
    }

    private static Element read(Path pom) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document d = f.newDocumentBuilder().parse(pom.toFile());
        return d.getDocumentElement();
    }

    private static Element child(Element e, String... names) {
        Element cur = e;
        for (String n : names) {
            List<Element> found = all(cur, n);
            assertThat(found).as("<%s> under <%s>", n, cur.getTagName()).isNotEmpty();
            cur = found.get(0);
        }
        return cur;
    }

    private static List<Element> all(Element e, String name) {
        List<Element> out = new ArrayList<>();
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c && c.getTagName().equals(name)) out.add(c);
        }
        return out;
    }

    private static String text(Element e, String name) {
        return child(e, name).getTextContent().strip();
    }
}
