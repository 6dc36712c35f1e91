package dev.tandem.monitoring.core;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.features.drift.DriftReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The drift references of the model cards ({@code model-card.json}) under some directories, by the card's own
 * {@code name} and {@code version}. A directory may be one exported version ({@code <root>/<name>/<version>}), a
 * model's directory or an export root: cards are looked for in it and up to two levels below (directories whose
 * name starts with '.', the trainer's temporary ones, are skipped).
 *
 * <p>Read once at start; a model version met without a reference makes the directories be read again, at most
 * once per {@code rescan}, so a version exported while the app runs is picked up without a restart. A version that
 * still has none is reported once in the log; its PSI is then not computed. Shared by every stream thread.
 */
public final class ModelCards implements DriftReferences {
    public static final String CARD_FILE = "model-card.json";

    private static final Logger LOG = LoggerFactory.getLogger(ModelCards.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Path> roots;
    private final long rescanNanos;
    private final LongSupplier nanoClock;
    private volatile Map<String, DriftReference> references = Map.of();
    /** model/version → stage → the card's AUC, for every card read (with a drift section or not). */
    private volatile Map<String, Map<String, Double>> aucs = Map.of();

    private volatile long scannedAtNanos;
    private final Set<String> reported = ConcurrentHashMap.newKeySet();

    public ModelCards(List<Path> roots, Duration rescan) {
        this(roots, rescan, System::nanoTime);
    }

    ModelCards(List<Path> roots, Duration rescan, LongSupplier nanoClock) {
        this.roots = List.copyOf(roots);
        this.rescanNanos = rescan.toNanos();
        this.nanoClock = nanoClock;
        synchronized (this) {
            scan();
        }
    }

    /** Model versions with a reference, as {@code model/version} keys. */
    public Set<String> known() {
        return references.keySet();
    }

    @Override
    public DriftReference find(String model, String version) {
        String key = MetricKey.modelKey(model, version);
        DriftReference r = references.get(key);
        if (r != null || roots.isEmpty()) {
            if (r == null && reported.add(key)) report(model, version);
            return r;
        }
        if (nanoClock.getAsLong() - scannedAtNanos >= rescanNanos) {
            synchronized (this) {
                if (nanoClock.getAsLong() - scannedAtNanos >= rescanNanos) scan();
            }
            r = references.get(key);
        }
        if (r == null && reported.add(key)) report(model, version);
        return r;
    }

    private void report(String model, String version) {
        LOG.info(
                "model {} version {}: no drift reference (no model card with a '{}' section under model.cards {}): "
                        + "its PSI is not computed",
                model,
                version,
                DriftReference.CARD_KEY,
                roots);
    }

    @Override
    public OptionalDouble cardAuc(String model, String version, String stage) {
        Map<String, Double> byStage = aucs.get(MetricKey.modelKey(model, version));
        if (byStage == null && !roots.isEmpty() && nanoClock.getAsLong() - scannedAtNanos >= rescanNanos) {
            synchronized (this) {
                if (nanoClock.getAsLong() - scannedAtNanos >= rescanNanos) scan();
            }
            byStage = aucs.get(MetricKey.modelKey(model, version));
        }
        Double auc = byStage == null ? null : byStage.get(stage);
        return auc == null ? OptionalDouble.empty() : OptionalDouble.of(auc);
    }

    private void scan() {
        Map<String, DriftReference> found = new HashMap<>();
        Map<String, Map<String, Double>> foundAucs = new HashMap<>();
        for (Path root : roots) {
            for (Path card : cards(root)) {
                read(card, found, foundAucs);
            }
        }
        aucs = Map.copyOf(foundAucs);
        Map<String, DriftReference> before = references;
        found.forEach((key, ref) -> {
            if (!before.containsKey(key)) {
                LOG.info(
                        "drift reference of {} loaded: {} validation rows, stages {}, features {}",
                        key,
                        ref.rows(),
                        ref.scores().keySet(),
                        ref.features().keySet());
                reported.remove(key);
            }
        });
        references = Map.copyOf(found);
        scannedAtNanos = nanoClock.getAsLong();
    }

    private static List<Path> cards(Path root) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            LOG.warn("model.cards: {} is not a directory", root);
            return out;
        }
        try (Stream<Path> s = Files.walk(root, 3)) {
            s.filter(p -> p.getFileName().toString().equals(CARD_FILE))
                    .filter(p -> !hidden(root.relativize(p)))
                    .sorted()
                    .forEach(out::add);
        } catch (IOException | RuntimeException e) {
            LOG.warn("model.cards: cannot list {}: {}", root, e.toString());
        }
        return out;
    }

    private static boolean hidden(Path relative) {
        for (Path part : relative) {
            if (part.toString().startsWith(".")) return true;
        }
        return false;
    }

    private static void read(Path card, Map<String, DriftReference> into, Map<String, Map<String, Double>> aucs) {
        try {
            Map<?, ?> json = JSON.readValue(card.toFile(), Map.class);
            Object name = json.get("name");
            Object version = json.get("version");
            Object section = json.get(DriftReference.CARD_KEY);
            if (!(name instanceof String n) || !(version instanceof String v)) {
                LOG.warn("model card {} has no name or version: skipped", card);
                return;
            }
            if (json.get("stages") instanceof Map<?, ?> stages) {
                Map<String, Double> byStage = new HashMap<>();
                stages.forEach((stage, figures) -> {
                    if (figures instanceof Map<?, ?> f && f.get("auc") instanceof Number auc)
                        byStage.put(String.valueOf(stage), auc.doubleValue());
                });
                if (!byStage.isEmpty()) aucs.put(MetricKey.modelKey(n, v), Map.copyOf(byStage));
            }
            if (!(section instanceof Map<?, ?> m)) return; // an older card: reported when its version is met
            into.put(MetricKey.modelKey(n, v), DriftReference.fromMap(m));
        } catch (IOException | IllegalArgumentException e) {
            LOG.warn("model card {} not read: {}", card, e.getMessage());
        }
    }
}
