package dev.tandem.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.testkit.connect.ConnectorFile;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The chart runs the images the build makes, as they are: the names and tags Jib writes, the user they run as, the
 * job jar where the scoring image has it, and the main the connectors Job starts from the Connect image. The
 * expected values come from the poms the images are built from (the helm pom hands the root pom's image properties
 * to these tests), so a change on either side fails here.
 */
class ImageContractTest {
    static final List<String> SETS = Chart.SETS;
    static final Path ROOT = Chart.MODULE.getParent();
    /** The user Jib gives every JVM image (root pom's tandem.image.user; ImageTarsTest reads the same). */
    static final long IMAGE_USER = Long.parseLong(System.getProperty("tandem.image.user"));

    static final String VERSION = System.getProperty("tandem.version");

    /** The component whose pods run each JVM image, and the module that builds it. */
    static final Map<String, String> IMAGE_MODULES = Map.of(
            "features", "streams-features",
            "monitoring", "monitoring",
            "serving", "connectors",
            "connect", "images",
            "connectors", "images",
            "registry", "schemas");

    /** Users of the images the chart runs but does not build: their official images' users. */
    static final Map<String, Long> OTHER_USERS = Map.of(
            "scoring", 9999L, // flink:2.2.0-java17, the scoring image's base
            "topics", 1000L); // apache/kafka

    private static String pomProperty(String module, String property) throws IOException {
        String pom = Files.readString(ROOT.resolve(module).resolve("pom.xml"));
        Matcher m =
                Pattern.compile("<" + Pattern.quote(property) + ">([^<]+)</").matcher(pom);
        assertThat(m.find()).as("%s/pom.xml sets %s", module, property).isTrue();
        return m.group(1).strip();
    }

    /** Pods of the chart's workloads by component, with their pod spec (the FlinkDeployment's pod template too). */
    private static Map<String, List<JsonNode>> pods(List<ObjectNode> objects) {
        Map<String, List<JsonNode>> pods = new LinkedHashMap<>();
        for (ObjectNode o : objects) {
            JsonNode pod = Chart.kind(o).equals("FlinkDeployment")
                    ? o.path("spec").path("podTemplate").path("spec")
                    : Chart.podSpec(o);
            if (pod != null)
                pods.computeIfAbsent(Chart.component(o), k -> new ArrayList<>()).add(pod);
        }
        return pods;
    }

    @ParameterizedTest
    @FieldSource("SETS")
    void everyContainerRunsAsItsImagesUser(String set) {
        List<String> problems = new ArrayList<>();
        int ours = 0;
        for (var e : pods(Chart.render(set)).entrySet()) {
            String component = e.getKey();
            long expected =
                    IMAGE_MODULES.containsKey(component) ? IMAGE_USER : OTHER_USERS.getOrDefault(component, -1L);
            if (expected < 0) {
                problems.add(component + ": no known image user");
                continue;
            }
            for (JsonNode pod : e.getValue()) {
                JsonNode psc = pod.path("securityContext");
                // a volume the image's user cannot write (state, /tmp) fails at start, not at render
                for (String k : List.of("runAsGroup", "fsGroup"))
                    if (psc.path(k).asLong() != expected)
                        problems.add(component + ": pod " + k + " " + psc.path(k) + ", not " + expected);
                for (JsonNode c : pod.path("containers")) {
                    JsonNode user = c.path("securityContext").path("runAsUser");
                    long effective =
                            user.isMissingNode() ? psc.path("runAsUser").asLong() : user.asLong();
                    if (effective != expected)
                        problems.add(component + "/" + c.path("name").asText() + " runs as " + effective + ", not "
                                + expected);
                    if (IMAGE_MODULES.containsKey(component)) ours++;
                }
            }
        }
        assertThat(problems).isEmpty();
        assertThat(ours).isPositive();
    }

    @Test
    void theImageUserIsTheOneTheBaseImageNames() throws IOException {
        // images/src/base/assemble-base.sh writes the /etc/passwd of the images; runAsNonRoot needs a numeric user
        assertThat(Files.readString(ROOT.resolve("images/src/base/assemble-base.sh")))
                .contains("nonroot:x:" + IMAGE_USER + ":" + IMAGE_USER + ":");
    }

    @ParameterizedTest
    @FieldSource("SETS")
    void everyTandemImageIsTheNameAndTagTheImageBuildWrites(String set) throws IOException {
        List<ObjectNode> objects = Chart.render(set);
        String repository = System.getProperty("tandem.image.repository");
        int checked = 0;
        for (ObjectNode o : objects) {
            JsonNode pod = Chart.podSpec(o);
            String module = IMAGE_MODULES.get(Chart.component(o));
            if (pod == null || module == null) continue;
            String expected = repository + "/" + pomProperty(module, "tandem.image.name") + ":" + VERSION;
            for (JsonNode c : pod.path("containers")) {
                assertThat(c.path("image").asText())
                        .as(Chart.kind(o) + " " + Chart.name(o))
                        .isEqualTo(expected);
                checked++;
            }
        }
        assertThat(checked)
                .isEqualTo(Chart.ofKind(objects, "Deployment").size()
                        + Chart.ofKind(objects, "StatefulSet").size()
                        + (int) Chart.ofKind(objects, "Job").stream()
                                .filter(j -> Chart.component(j).equals("connectors"))
                                .count());
    }

    /** The images-registry profile's extra directory: where it puts the job jar, and which file. */
    private static String[] usrlibJar() throws Exception {
        var doc = DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(ROOT.resolve("flink-inference/pom.xml").toFile());
        NodeList profiles = doc.getElementsByTagName("profile");
        for (int i = 0; i < profiles.getLength(); i++) {
            Element p = (Element) profiles.item(i);
            if (!p.getElementsByTagName("id").item(0).getTextContent().equals("images-registry")) continue;
            Element path = (Element) p.getElementsByTagName("extraDirectories").item(0);
            String into =
                    path.getElementsByTagName("into").item(0).getTextContent().strip();
            String includes = path.getElementsByTagName("includes")
                    .item(0)
                    .getTextContent()
                    .strip();
            return new String[] {into, includes};
        }
        throw new AssertionError("flink-inference/pom.xml has no images-registry profile");
    }

    @ParameterizedTest
    @FieldSource("SETS")
    void theFlinkDeploymentsJarIsTheFileTheScoringImageHasInUsrlib(String set) throws Exception {
        String[] usrlib = usrlibJar();
        // flink-inference sets no finalName of its own: Maven's artifactId-version
        assertThat(Files.readString(ROOT.resolve("flink-inference/pom.xml"))).doesNotContain("<finalName>");
        String jar = usrlib[1].replace("${project.build.finalName}", pomArtifactId("flink-inference") + "-" + VERSION);
        JsonNode flink =
                Chart.ofKind(Chart.render(set), "FlinkDeployment").get(0).path("spec");

        assertThat(usrlib[0]).isEqualTo("/opt/flink/usrlib");
        assertThat(jar).doesNotContain("$").doesNotContain("*");
        assertThat(flink.path("job").path("jarURI").asText()).isEqualTo("local://" + usrlib[0] + "/" + jar);
    }

    private static String pomArtifactId(String module) throws Exception {
        var doc = DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(ROOT.resolve(module).resolve("pom.xml").toFile());
        NodeList children = doc.getDocumentElement().getChildNodes();
        for (int i = 0; i < children.getLength(); i++)
            if (children.item(i).getNodeName().equals("artifactId"))
                return children.item(i).getTextContent().strip();
        throw new AssertionError(module + "/pom.xml has no artifactId");
    }

    @Test
    void theConnectorsJobRunsCreateConnectorsOnTheConnectImageAgainstTheWorkersService(@TempDir Path dir)
            throws Exception {
        List<ObjectNode> objects = Chart.render("defaults");
        ObjectNode job = Chart.ofKind(objects, "Job").stream()
                .filter(j -> Chart.component(j).equals("connectors"))
                .findFirst()
                .orElseThrow();
        JsonNode c = Chart.podSpec(job).path("containers").get(0);
        List<String> command = StreamSupport.stream(c.path("command").spliterator(), false)
                .map(JsonNode::asText)
                .toList();
        List<String> args = StreamSupport.stream(c.path("args").spliterator(), false)
                .map(JsonNode::asText)
                .toList();
        ObjectNode service = Chart.ofKind(objects, "Service").stream()
                .filter(s -> Chart.component(s).equals("connect"))
                .findFirst()
                .orElseThrow();

        // the image's java on PATH and its Jib class path file, another main
        assertThat(command).containsSubsequence("java", "-cp", "@/app/jib-classpath-file");
        var main = Class.forName(command.get(command.size() - 1)).getMethod("main", String[].class);
        assertThat(Modifier.isStatic(main.getModifiers())).isTrue();
        assertThat(args.get(0))
                .isEqualTo("http://" + Chart.name(service) + ":"
                        + service.path("spec").path("ports").get(0).path("port").asInt());
        // the directory it reads is the connectors ConfigMap, whose files parse as connector files
        String mounted = c.path("volumeMounts").get(0).path("mountPath").asText();
        assertThat(args).contains(mounted);
        Map<String, String> files = AppSettingsTest.configMapData(objects, "connectors");
        assertThat(files).isNotEmpty();
        for (var f : files.entrySet()) {
            ConnectorFile parsed = ConnectorFile.read(Files.writeString(dir.resolve(f.getKey()), f.getValue()));
            assertThat(parsed.config().get("connector.class")).isEqualTo("dev.tandem.connect.redis.RedisSinkConnector");
        }
    }
}
