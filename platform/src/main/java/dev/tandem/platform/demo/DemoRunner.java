package dev.tandem.platform.demo;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs {@link DemoStage}s: start in order, await in order, close in reverse order, always. */
public final class DemoRunner {
    private static final Logger LOG = LoggerFactory.getLogger(DemoRunner.class);

    private final List<DemoStage> stages;

    public DemoRunner(List<DemoStage> stages) {
        this.stages = List.copyOf(stages);
    }

    /** @return true if every stage did its part, false if the demo was stopped early (Ctrl-C) */
    public boolean run(DemoContext ctx) throws Exception {
        List<DemoStage> started = new ArrayList<>();
        Exception failure = null;
        boolean completed = false;
        try {
            for (DemoStage s : stages) {
                if (ctx.stopping()) break;
                LOG.info("starting demo stage {}", s.name());
                started.add(s);
                s.start(ctx);
            }
            for (DemoStage s : started) {
                if (ctx.stopping()) break;
                s.awaitDone(ctx);
            }
            completed = !ctx.stopping() && started.size() == stages.size();
        } catch (InterruptedException e) {
            // Ctrl-C interrupts the main thread: fall through to closing everything.
        } catch (Exception e) {
            failure = e;
        } finally {
            ctx.stop();
            for (int i = started.size() - 1; i >= 0; i--) {
                DemoStage s = started.get(i);
                try {
                    LOG.info("stopping demo stage {}", s.name());
                    s.close();
                } catch (Exception e) {
                    if (failure == null) failure = e;
                    else failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) throw failure;
        return completed;
    }
}
