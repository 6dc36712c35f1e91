package dev.tandem.platform.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tandem.platform.chaos.ChaosSettings.Component;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What a chaos run found, in the keys issue #16 names; {@link #passed()} is the verdict. */
public record ChaosReport(Map<String, Object> figures, List<ChaosRun.Kill> kills, List<String> examples) {
    /** kill → output flowing again, for every process. */
    public static final double RECOVERY_BOUND_S = 30;

    static ChaosReport of(
            ChaosSettings s, List<ChaosRun.Kill> kills, Load.Sent sent, Reconcile.Result r, double seconds) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("rounds", s.rounds());
        f.put("seed", s.seed());
        Map<String, Integer> perProcess = new LinkedHashMap<>();
        for (Component c : Component.values()) perProcess.put(c.key(), 0);
        for (ChaosRun.Kill k : kills) perProcess.merge(k.component().key(), 1, Integer::sum);
        f.put("kills", perProcess);
        f.put("events", sent.events().size());
        f.put("requests", sent.requests().size());
        f.put("send_failures", sent.failedSends());
        f.put("features_expected", r.featuresExpected());
        f.put("features_lost", r.featuresLost());
        f.put("features_duplicated", r.featuresDuplicated());
        f.put("users_with_other_features", r.usersWithOtherFeatures());
        f.put("predictions_lost", r.predictionsLost());
        f.put("predictions_duplicated", r.predictionsDuplicated());
        f.put("store_stale_users", r.storeStaleUsers());
        f.put("outcomes", r.outcomes());
        f.put("outcomes_final", r.outcomesFinal());
        f.put("outcomes_mismatched", r.outcomesMismatched());
        f.put("dead_letters_expected", r.deadLettersExpected());
        f.put("dead_letters_seen", r.deadLettersSeen());
        f.put("dead_letters_mismatched", r.deadLettersMismatched());
        Map<String, Double> p99 = new LinkedHashMap<>();
        for (Component c : Component.values()) {
            List<Double> own = kills.stream()
                    .filter(k -> k.component() == c)
                    .map(ChaosRun.Kill::recoverySeconds)
                    .sorted()
                    .toList();
            if (!own.isEmpty()) p99.put(c.key(), round(own.get((int) Math.ceil(0.99 * own.size()) - 1)));
        }
        f.put("recovery_p99_s", p99);
        f.put("seconds", round(seconds));
        return new ChaosReport(f, List.copyOf(kills), r.examples());
    }

    /** Nothing lost, duplicated, stale or mismatched; dead letters as injected; every recovery within the bound. */
    public boolean passed() {
        return failures().isEmpty();
    }

    /** {@link #accountingFailures()} and every recovery slower than {@link #RECOVERY_BOUND_S}. */
    public List<String> failures() {
        List<String> out = new ArrayList<>(accountingFailures());
        for (ChaosRun.Kill k : kills)
            if (k.recovered() && k.recoverySeconds() > RECOVERY_BOUND_S)
                out.add(String.format(
                        Locale.ROOT,
                        "round %d: %s took %.1f s to recover (bound %.0f s)",
                        k.round(),
                        k.component().key(),
                        k.recoverySeconds(),
                        RECOVERY_BOUND_S));
        return out;
    }

    /**
     * What the exact accounting found wrong, and processes that never produced again: the verdict that does not
     * depend on how fast the machine is (tests use this one; the command also holds recoveries to the bound).
     */
    public List<String> accountingFailures() {
        List<String> out = new ArrayList<>();
        for (String k : List.of(
                "features_lost",
                "features_duplicated",
                "users_with_other_features",
                "predictions_lost",
                "predictions_duplicated",
                "store_stale_users",
                "outcomes_mismatched",
                "dead_letters_mismatched"))
            if (((Number) figures.get(k)).longValue() != 0) out.add(k + " = " + figures.get(k));
        if (!figures.get("dead_letters_expected").equals(figures.get("dead_letters_seen")))
            out.add("dead letters: " + figures.get("dead_letters_seen") + " seen, "
                    + figures.get("dead_letters_expected") + " injected");
        for (ChaosRun.Kill k : kills)
            if (!k.recovered())
                out.add(String.format(
                        Locale.ROOT,
                        "round %d: %s produced nothing for %.0f s after the kill",
                        k.round(),
                        k.component().key(),
                        k.recoverySeconds()));
        return out;
    }

    public void writeJson(Path file) throws IOException {
        Map<String, Object> doc = new LinkedHashMap<>(figures);
        List<Map<String, Object>> each = new ArrayList<>();
        for (ChaosRun.Kill k : kills) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("round", k.round());
            m.put("process", k.component().key());
            m.put("at_s", round(k.atSeconds()));
            m.put("recovery_s", round(k.recoverySeconds()));
            m.put("recovered", k.recovered());
            each.add(m);
        }
        doc.put("kill_log", each);
        doc.put("examples", examples);
        doc.put("passed", passed());
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), doc);
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
