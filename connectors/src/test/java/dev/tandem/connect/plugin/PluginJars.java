package dev.tandem.connect.plugin;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * What a plugin jar declares to a worker that discovers plugins with {@code plugin.discovery=service_load}: its
 * {@code META-INF/services} entries, and the plugin classes it has that no such entry names (which that worker would
 * never see).
 */
final class PluginJars {
    /** The kinds of plugin a Connect worker discovers through {@link java.util.ServiceLoader}. */
    static final List<String> PLUGIN_TYPES = List.of(
            "org.apache.kafka.connect.sink.SinkConnector",
            "org.apache.kafka.connect.source.SourceConnector",
            "org.apache.kafka.connect.storage.Converter",
            "org.apache.kafka.connect.storage.HeaderConverter",
            "org.apache.kafka.connect.transforms.Transformation",
            "org.apache.kafka.connect.transforms.predicates.Predicate",
            "org.apache.kafka.common.config.provider.ConfigProvider",
            "org.apache.kafka.connect.rest.ConnectRestExtension",
            "org.apache.kafka.connect.connector.policy.ConnectorClientConfigOverridePolicy");

    private PluginJars() {}

    /** Plugin type → the class names its {@code META-INF/services} file in {@code jar} lists (comments dropped). */
    static Map<String, Set<String>> serviceEntries(Path jar) throws IOException {
        Map<String, Set<String>> entries = new TreeMap<>();
        try (JarFile jf = new JarFile(jar.toFile())) {
            for (String type : PLUGIN_TYPES) {
                JarEntry e = jf.getJarEntry("META-INF/services/" + type);
                if (e == null) continue;
                try (InputStream in = jf.getInputStream(e)) {
                    Set<String> names = new TreeSet<>();
                    for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\\R")) {
                        String name = line.replaceFirst("#.*", "").trim();
                        if (!name.isEmpty()) names.add(name);
                    }
                    entries.put(type, names);
                }
            }
        }
        return entries;
    }

    /**
     * Problems of {@code jar}'s plugins, one line each: a public concrete class under {@code packagePrefix} that is a
     * plugin type but is not listed for it, a listed class that does not exist or is not of the type, a plugin without
     * a public no-argument constructor. {@code classpath} (the plugin's jars) is searched child-first; Kafka's and
     * slf4j's classes come from this JVM, as a worker's plugin class loader does it.
     */
    static List<String> problems(Path jar, List<Path> classpath, String packagePrefix) throws IOException {
        Map<String, Set<String>> listed = serviceEntries(jar);
        List<String> problems = new ArrayList<>();
        URL[] urls = new URL[classpath.size()];
        for (int i = 0; i < urls.length; i++) urls[i] = classpath.get(i).toUri().toURL();
        try (URLClassLoader loader = new URLClassLoader(urls, new WorkerApiOnly(PluginJars.class.getClassLoader()))) {
            Map<String, Class<?>> types = new LinkedHashMap<>();
            for (String t : PLUGIN_TYPES) types.put(t, loadOrNull(t, loader));
            for (String className : classNames(jar, packagePrefix)) {
                Class<?> c = loadOrNull(className, loader);
                if (c == null
                        || !Modifier.isPublic(c.getModifiers())
                        || Modifier.isAbstract(c.getModifiers())
                        || c.isInterface()) continue;
                for (Map.Entry<String, Class<?>> t : types.entrySet()) {
                    if (t.getValue() == null || !t.getValue().isAssignableFrom(c)) continue;
                    if (!listed.getOrDefault(t.getKey(), Set.of()).contains(className)) {
                        problems.add(className + " is a " + t.getKey() + " but META-INF/services/" + t.getKey()
                                + " does not list it");
                    }
                }
            }
            for (Map.Entry<String, Set<String>> e : listed.entrySet()) {
                Class<?> type = types.get(e.getKey());
                for (String name : e.getValue()) {
                    Class<?> c = loadOrNull(name, loader);
                    if (c == null) problems.add("META-INF/services/" + e.getKey() + " lists " + name + ", not found");
                    else if (type != null && !type.isAssignableFrom(c))
                        problems.add(name + " is listed as a " + e.getKey() + " but is not one");
                    else if (!hasPublicNoArgConstructor(c))
                        problems.add(name + " has no public no-argument constructor");
                }
            }
        }
        return problems;
    }

    private static boolean hasPublicNoArgConstructor(Class<?> c) {
        try {
            return Modifier.isPublic(c.getConstructor().getModifiers());
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    private static List<String> classNames(Path jar, String packagePrefix) throws IOException {
        String prefix = packagePrefix.replace('.', '/');
        List<String> names = new ArrayList<>();
        try (JarFile jf = new JarFile(jar.toFile())) {
            jf.stream()
                    .map(JarEntry::getName)
                    .filter(n -> n.startsWith(prefix) && n.endsWith(".class") && !n.endsWith("module-info.class"))
                    .forEach(n -> names.add(n.substring(0, n.length() - 6).replace('/', '.')));
        }
        return names;
    }

    private static Class<?> loadOrNull(String name, ClassLoader loader) {
        try {
            return Class.forName(name, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    /** The worker's side of a plugin class loader: Kafka's API and slf4j from the given loader, nothing else. */
    private static final class WorkerApiOnly extends ClassLoader {
        private final ClassLoader worker;

        WorkerApiOnly(ClassLoader worker) {
            super(ClassLoader.getPlatformClassLoader());
            this.worker = worker;
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            if (name.startsWith("org.apache.kafka.") || name.startsWith("org.slf4j.")) return worker.loadClass(name);
            throw new ClassNotFoundException(name);
        }
    }
}
