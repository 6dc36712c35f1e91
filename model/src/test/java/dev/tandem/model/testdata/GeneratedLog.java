package dev.tandem.model.testdata;

import dev.tandem.datasets.generator.GeneratedEvent;
import dev.tandem.datasets.generator.GeneratorConfig;
import dev.tandem.datasets.generator.GroundTruth;
import dev.tandem.datasets.generator.SyntheticWorld;
import dev.tandem.model.data.LoggedEvent;
import dev.tandem.model.train.Reports;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A log from the platform's own generator ({@link SyntheticWorld}), in memory, with the truth of
 * every view by event id: what the model tests train on and compare with (the ceiling).
 */
public final class GeneratedLog {
    public final SyntheticWorld world;
    public final List<LoggedEvent> events = new ArrayList<>();
    public final Map<String, GroundTruth> truth = new HashMap<>();

    public GeneratedLog(GeneratorConfig config) {
        world = SyntheticWorld.create(config);
        for (Iterator<GeneratedEvent> it = world.events(); it.hasNext(); ) {
            GeneratedEvent e = it.next();
            events.add(LoggedEvent.of(e.toUserEvent()));
            if (e.isView()) {
                truth.put(e.eventId(), e.groundTruth());
            }
        }
    }

    /** The truth as P(reach stage) per exposure id for these stages. */
    public Map<String, double[]> truthFor(List<String> stages) {
        return Reports.truth(truth, stages);
    }
}
