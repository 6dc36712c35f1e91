package dev.tandem.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

/**
 * An image tar as {@code jib:buildTar} (and {@code docker save}) writes it: {@code manifest.json}, the config JSON and
 * one gzipped tar per layer, read with plain Java. {@link #files} is the image's file system after every layer.
 */
final class ImageTar {
    private static final ObjectMapper JSON = new ObjectMapper();

    final Path tar;
    final JsonNode manifest;
    final JsonNode config;
    final List<String> layers;
    /** Path (no leading slash) → the entry of the last layer that has it. */
    final Map<String, TarReader.Entry> files = new LinkedHashMap<>();
    /** Contents of the files {@code capture} selected, from the last layer that has them. */
    final Map<String, byte[]> captured = new LinkedHashMap<>();

    private ImageTar(Path tar, JsonNode manifest, JsonNode config) {
        this.tar = tar;
        this.manifest = manifest;
        this.config = config;
        List<String> l = new ArrayList<>();
        manifest.get(0).get("Layers").forEach(n -> l.add(n.asText()));
        this.layers = List.copyOf(l);
    }

    /** Reads the manifest, the config and every layer's listing, keeping the contents of the paths {@code capture} takes. */
    static ImageTar read(Path tar, Predicate<String> capture) throws IOException {
        JsonNode manifest = JSON.readTree(member(tar, "manifest.json"));
        if (!manifest.isArray() || manifest.size() != 1) {
            throw new IOException(tar + ": manifest.json should list one image: " + manifest);
        }
        JsonNode config =
                JSON.readTree(member(tar, manifest.get(0).get("Config").asText()));
        ImageTar image = new ImageTar(tar, manifest, config);
        for (String layer : image.layers) {
            image.eachLayerEntry(layer, (entry, reader) -> {
                image.files.put(entry.path(), entry);
                if (entry.isFile() && capture.test(entry.path())) image.captured.put(entry.path(), reader.content());
            });
        }
        return image;
    }

    /** Writes every layer, in order, under {@code root}, with the layers' permission bits. */
    void extractTo(Path root) throws IOException {
        for (String layer : layers) {
            eachLayerEntry(layer, (entry, reader) -> {
                Path target = root.resolve(entry.path()).normalize();
                if (!target.startsWith(root)) throw new IOException("entry escapes the root: " + entry.path());
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else if (entry.isSymlink()) {
                    Files.createDirectories(target.getParent());
                    Files.deleteIfExists(target);
                    Files.createSymbolicLink(target, Path.of(entry.linkTarget()));
                } else if (entry.isFile()) {
                    Files.createDirectories(target.getParent());
                    try (OutputStream out = Files.newOutputStream(target)) {
                        reader.stream().transferTo(out);
                    }
                } else {
                    return;
                }
                if (!entry.isSymlink()) Files.setPosixFilePermissions(target, permissions(entry.mode()));
            });
        }
    }

    String env(String name) {
        JsonNode env = config.path("config").path("Env");
        for (JsonNode e : env) {
            String s = e.asText();
            if (s.startsWith(name + "=")) return s.substring(name.length() + 1);
        }
        return null;
    }

    List<String> entrypoint() {
        List<String> l = new ArrayList<>();
        config.path("config").path("Entrypoint").forEach(n -> l.add(n.asText()));
        return l;
    }

    List<String> cmd() {
        List<String> l = new ArrayList<>();
        config.path("config").path("Cmd").forEach(n -> l.add(n.asText()));
        return l;
    }

    String label(String name) {
        JsonNode v = config.path("config").path("Labels").get(name);
        return v == null ? null : v.asText();
    }

    /** The file {@code command} names: itself if absolute, else the first match in the image's {@code PATH}. */
    String resolveCommand(String command) {
        if (command.startsWith("/")) return command.substring(1);
        String path = env("PATH");
        if (path == null) return null;
        for (String dir : path.split(":")) {
            String candidate = (dir.endsWith("/") ? dir : dir + "/") + command;
            if (files.containsKey(candidate.substring(1))) return candidate.substring(1);
        }
        return null;
    }

    private interface EntryHandler {
        void accept(TarReader.Entry entry, TarReader reader) throws IOException;
    }

    private void eachLayerEntry(String layer, EntryHandler handler) throws IOException {
        try (InputStream file = new BufferedInputStream(Files.newInputStream(tar), 1 << 16)) {
            TarReader outer = new TarReader(file);
            for (TarReader.Entry e = outer.next(); e != null; e = outer.next()) {
                if (!e.path().equals(layer)) continue;
                TarReader inner = new TarReader(new BufferedInputStream(new GZIPInputStream(outer.stream(), 1 << 16)));
                for (TarReader.Entry f = inner.next(); f != null; f = inner.next()) handler.accept(f, inner);
                return;
            }
        }
        throw new IOException(tar + " has no layer " + layer);
    }

    private static byte[] member(Path tar, String name) throws IOException {
        try (InputStream file = new BufferedInputStream(Files.newInputStream(tar), 1 << 16)) {
            TarReader outer = new TarReader(file);
            for (TarReader.Entry e = outer.next(); e != null; e = outer.next()) {
                if (e.path().equals(name)) return outer.content();
            }
        }
        throw new IOException(tar + " has no " + name);
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> p = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ
        };
        for (int i = 0; i < order.length; i++) if ((mode & (1 << i)) != 0) p.add(order[i]);
        return p;
    }
}
