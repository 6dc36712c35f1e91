package dev.tandem.inference.core;

import dev.tandem.model.features.FeatureSpec;
import dev.tandem.schemas.topics.DeadLetterReason;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model versions one scoring subtask holds, and what {@code model-control} commands do to them:
 * pure Java, no Flink types (the batching operator adapts it). One {@link BatchScorer} (session) per
 * loaded version.
 *
 * <p>Every method runs on the owner's task thread, so the hot path ({@link #scorer()}) takes no lock.
 * LOAD creates and warms up a scorer on this lifecycle's loader thread, so scoring goes on meanwhile;
 * the result comes back through the {@code taskThread} executor (the operator's mailbox) and is
 * installed there. ACTIVATE and ROLLBACK call {@code beforeSwitch} first (the operator flushes its
 * buffer, so a switch happens at a batch boundary and every request is scored by the model active
 * when it arrived); a replaced version stays open for ROLLBACK ({@value #MAX_PREVIOUS} back) and is
 * closed, on the task thread between batches, when it falls out of that history. SHADOW names a
 * second version the owner scores every batch with again. A model that cannot be created (spec
 * mismatch, unreadable, unsupported location) or warmed up is refused: the current one keeps serving,
 * {@link Metrics#modelRefused} counts it, and the command's record goes to {@code deadLetters}.
 * {@link #snapshot} is what a checkpoint keeps; {@link #open} with it loads the same versions again.
 */
public final class ModelLifecycle implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelLifecycle.class);

    /** Versions kept loaded for ROLLBACK. */
    public static final int MAX_PREVIOUS = 2;

    /** What the lifecycle counts (the operator's metrics implement it). */
    public interface Metrics {
        /** ACTIVATE or ROLLBACK switched the active version. */
        void modelSwapped();

        /** A refused model or an inapplicable command (the current model kept serving). */
        void modelRefused();

        /** A version was loaded and warmed up off the task thread. */
        void modelLoaded(long loadMillis, long warmUpMillis);
    }

    private final BatchScorerFactory factory;
    private final int warmUpRows;
    private final String owner;
    private final Executor taskThread;
    private final Metrics metrics;
    private final Runnable beforeSwitch;
    private final Consumer<DeadLetter> deadLetters;
    private final ExecutorService loader;

    private FeatureSpec spec;
    private ModelRef active;
    private BatchScorer activeScorer;
    private final Deque<ModelRef> previous = new ArrayDeque<>();
    private ModelRef shadow;
    private BatchScorer shadowScorer;
    private final Map<String, BatchScorer> sessions = new HashMap<>();
    private final Map<String, ModelRef> refs = new LinkedHashMap<>();
    private final Map<String, ModelRef> loading = new LinkedHashMap<>();
    private final Map<String, List<ModelCommand>> waiting = new LinkedHashMap<>();
    /** Scorers handed from the loader to the task thread and not yet installed: closed by {@link #close} if never installed. */
    private final Set<BatchScorer> handoff = ConcurrentHashMap.newKeySet();

    /**
     * @param factory      makes the configured model ({@code create()}) and the versions commands name
     * @param warmUpRows   every batch size up to this is run once before a version serves
     * @param owner        names the owner in logs and in refused commands' messages, e.g. {@code scoring subtask 3}
     * @param loaderThread name of the thread that loads and warms up versions
     * @param taskThread   runs a loader's result on the owner's task thread (the operator's mailbox)
     * @param beforeSwitch called on the task thread just before the active version changes
     * @param deadLetters  receives refused commands' records
     */
    public ModelLifecycle(
            BatchScorerFactory factory,
            int warmUpRows,
            String owner,
            String loaderThread,
            Executor taskThread,
            Metrics metrics,
            Runnable beforeSwitch,
            Consumer<DeadLetter> deadLetters) {
        if (warmUpRows < 1) {
            throw new IllegalArgumentException("warmUpRows must be >= 1, was " + warmUpRows);
        }
        this.factory = Objects.requireNonNull(factory, "factory");
        this.warmUpRows = warmUpRows;
        this.owner = Objects.requireNonNull(owner, "owner");
        this.taskThread = Objects.requireNonNull(taskThread, "taskThread");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.beforeSwitch = Objects.requireNonNull(beforeSwitch, "beforeSwitch");
        this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
        this.loader = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, loaderThread);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Creates the configured model, or, given a checkpoint's {@code restored} state, loads what it had
     * loaded — here, on the task thread: the job does not start scoring before it serves the same model
     * again. A restored version that no longer loads is counted as refused and left out.
     */
    public void open(ControlSnapshot restored) throws Exception {
        BatchScorer initial = factory.create();
        ModelRef configured = new ModelRef(initial.modelName(), initial.modelVersion(), null);
        spec = initial.spec();
        if (restored == null || restored.active() == null || restored.active().location() == null) {
            initial.warmUp(warmUpRows);
            install(configured, initial);
            active = configured;
        } else {
            initial.close(); // the restored state names another active model
        }
        if (restored != null) {
            restore(restored, configured);
        }
        activeScorer = sessions.get(active.key());
    }

    private void restore(ControlSnapshot s, ModelRef configured) {
        if (active == null) {
            BatchScorer a = loadNow(s.active());
            if (a == null) {
                LOG.error(
                        "the restored active model {} cannot be loaded; serving the configured model {}",
                        s.active(),
                        configured);
                try {
                    BatchScorer c = factory.create();
                    c.warmUp(warmUpRows);
                    install(configured, c);
                    active = configured;
                } catch (Exception e) {
                    throw new IllegalStateException(
                            "neither the restored model " + s.active() + " nor the configured one can be loaded", e);
                }
            } else {
                install(s.active(), a);
                active = s.active();
            }
        }
        for (ModelRef p : s.previous()) {
            if (sessions.containsKey(p.key()) || ensureLoadedNow(p)) {
                previous.addLast(p);
            }
        }
        if (s.shadow() != null && (sessions.containsKey(s.shadow().key()) || ensureLoadedNow(s.shadow()))) {
            shadow = s.shadow();
            shadowScorer = sessions.get(shadow.key());
        }
        for (ModelRef r : s.loaded()) {
            if (!sessions.containsKey(r.key())) {
                ensureLoadedNow(r);
            }
        }
        for (ModelCommand c : s.pending()) {
            handle(c);
        }
    }

    private boolean ensureLoadedNow(ModelRef r) {
        BatchScorer b = loadNow(r);
        if (b != null) {
            install(r, b);
        }
        return b != null;
    }

    private BatchScorer loadNow(ModelRef r) {
        BatchScorer b = null;
        try {
            b = r.location() == null ? factory.create() : factory.create(r);
            spec.requireCanProduce(b.spec());
            b.warmUp(warmUpRows);
            return b;
        } catch (Exception e) {
            metrics.modelRefused();
            LOG.error("model {} from the checkpoint cannot be loaded again: {}", r, e.toString());
            if (b != null) {
                closeQuietly(b);
            }
            return null;
        }
    }

    private void install(ModelRef ref, BatchScorer s) {
        BatchScorer old = sessions.put(ref.key(), s);
        refs.put(ref.key(), ref);
        if (old != null && old != s) {
            closeQuietly(old);
        }
    }

    /** What a checkpoint keeps: active, rollback history, shadow, the other loaded or loading versions, and commands waiting for a load. */
    public ControlSnapshot snapshot() {
        List<ModelRef> loaded = new ArrayList<>();
        for (ModelRef r : refs.values()) {
            if (!isReferenced(r)) {
                loaded.add(r);
            }
        }
        loaded.addAll(loading.values());
        List<ModelCommand> queued = new ArrayList<>();
        waiting.values().forEach(queued::addAll);
        return new ControlSnapshot(active, new ArrayList<>(previous), shadow, loaded, queued);
    }

    /** Applies a command, in stream order; a LOAD (or a switch to a version not loaded yet) completes later, through {@code taskThread}. */
    public void handle(ModelCommand c) {
        LOG.info("model command {}", c);
        switch (c.kind) {
            case LOAD -> {
                ModelRef ref = c.model();
                if (sessions.containsKey(ref.key()) || loading.containsKey(ref.key())) {
                    LOG.info("{} is already loaded or loading; LOAD ignored", ref.key()); // one version, one session
                } else {
                    startLoad(ref, c);
                }
            }
            case ACTIVATE, SHADOW -> {
                ModelRef ref = c.model();
                String key = ref.key();
                if (sessions.containsKey(key)) {
                    if (c.kind == ModelCommand.Kind.ACTIVATE) {
                        activate(refs.get(key));
                    } else {
                        shadow = refs.get(key);
                        shadowScorer = sessions.get(key);
                    }
                } else if (loading.containsKey(key)) {
                    waiting.computeIfAbsent(key, k -> new ArrayList<>()).add(c);
                } else if (c.location != null && !c.location.isBlank()) {
                    startLoad(ref, c);
                    waiting.computeIfAbsent(key, k -> new ArrayList<>()).add(c);
                } else {
                    reject(
                            c,
                            DeadLetterReason.INVALID_MODEL_COMMAND,
                            new IllegalStateException(
                                    c.kind + " of " + key + ", which is not loaded and has no location"));
                }
            }
            case ROLLBACK -> {
                if (previous.isEmpty()) {
                    reject(
                            c,
                            DeadLetterReason.INVALID_MODEL_COMMAND,
                            new IllegalStateException("ROLLBACK with no previous model (active " + active + ")"));
                    return;
                }
                beforeSwitch.run();
                ModelRef from = active;
                active = previous.pop();
                activeScorer = sessions.get(active.key());
                metrics.modelSwapped();
                LOG.info("rolled back from {} to {}", from, active);
                release(from);
            }
            case STOP_SHADOW -> {
                ModelRef was = shadow;
                shadow = null;
                shadowScorer = null;
                if (was != null) {
                    release(was);
                }
            }
        }
    }

    private void activate(ModelRef ref) {
        if (ref.key().equals(active.key())) {
            return;
        }
        beforeSwitch.run();
        ModelRef from = active;
        previous.removeIf(p -> p.key().equals(ref.key()));
        previous.push(from);
        active = ref;
        activeScorer = sessions.get(ref.key());
        metrics.modelSwapped();
        LOG.info("activated {} (was {})", ref, from);
        while (previous.size() > MAX_PREVIOUS) {
            release(previous.removeLast());
        }
    }

    /** The shadow version failed on a batch: shadowing stops (counted as a refusal) and its session is released. */
    public void shadowFailed(RuntimeException error) {
        LOG.error("shadow model {} failed on a batch; shadowing stopped: {}", shadow, error.toString());
        metrics.modelRefused();
        ModelRef was = shadow;
        shadow = null;
        shadowScorer = null;
        if (was != null) {
            release(was);
        }
    }

    private boolean isReferenced(ModelRef r) {
        String k = r.key();
        return k.equals(active.key())
                || (shadow != null && k.equals(shadow.key()))
                || previous.stream().anyMatch(p -> p.key().equals(k));
    }

    /** Closes a version nothing serves or can roll back to; on the task thread, so no batch is in flight on it. */
    private void release(ModelRef r) {
        if (isReferenced(r)) {
            return;
        }
        refs.remove(r.key());
        BatchScorer s = sessions.remove(r.key());
        if (s != null) {
            LOG.info("closing model {}", r);
            closeQuietly(s);
        }
    }

    private void startLoad(ModelRef ref, ModelCommand trigger) {
        loading.put(ref.key(), ref);
        FeatureSpec want = spec;
        loader.execute(() -> {
            BatchScorer s = null;
            try {
                long t0 = System.nanoTime();
                s = factory.create(ref);
                want.requireCanProduce(s.spec());
                long t1 = System.nanoTime();
                s.warmUp(warmUpRows);
                long t2 = System.nanoTime();
                BatchScorer ready = s;
                handoff.add(ready);
                taskThread.execute(() -> onLoaded(ref, ready, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000));
            } catch (Throwable e) {
                if (s != null) {
                    handoff.remove(s);
                    closeQuietly(s);
                }
                try {
                    taskThread.execute(() -> onRefused(ref, trigger, e));
                } catch (RuntimeException closing) {
                    LOG.warn("model {} refused while the task is closing: {}", ref, e.toString());
                }
            }
        });
    }

    private void onLoaded(ModelRef ref, BatchScorer s, long loadMs, long warmMs) {
        handoff.remove(s);
        loading.remove(ref.key());
        install(ref, s);
        metrics.modelLoaded(loadMs, warmMs);
        LOG.info("loaded {} in {} ms, warmed up in {} ms", ref, loadMs, warmMs);
        List<ModelCommand> queued = waiting.remove(ref.key());
        if (queued != null) {
            queued.forEach(this::handle);
        }
    }

    private void onRefused(ModelRef ref, ModelCommand trigger, Throwable error) {
        loading.remove(ref.key());
        Map<ModelCommand, Boolean> refused = new IdentityHashMap<>();
        refused.put(trigger, true);
        List<ModelCommand> queued = waiting.remove(ref.key());
        if (queued != null) {
            queued.forEach(c -> refused.put(c, true));
        }
        LOG.error("refused model {}: {}; still serving {}", ref, error.toString(), active);
        for (ModelCommand c : refused.keySet()) {
            reject(c, DeadLetterReason.MODEL_REFUSED, error);
        }
    }

    private void reject(ModelCommand c, DeadLetterReason reason, Throwable error) {
        metrics.modelRefused();
        LOG.warn("model command {} refused ({}): {}", c, reason.code(), error.toString());
        if (c.source == null) {
            return; // re-issued from a checkpoint: its record was dead-lettered or applied before
        }
        deadLetters.accept(DeadLetter.of(c.source, reason, error, owner + ": " + c));
    }

    /** The spec rows must be encoded with: the configured model's (every loaded version can be fed rows of it). */
    public FeatureSpec spec() {
        return spec;
    }

    /** The active version's scorer. */
    public BatchScorer scorer() {
        return activeScorer;
    }

    /** The shadow version's scorer, or null. */
    public BatchScorer shadowScorer() {
        return shadowScorer;
    }

    public ModelRef active() {
        return active;
    }

    /** The shadow version, or null. */
    public ModelRef shadow() {
        return shadow;
    }

    /** Whether {@code name/version} is loaded (warmed up, ready to serve). */
    public boolean isLoaded(String key) {
        return sessions.containsKey(key);
    }

    /** Stops the loader (waiting up to 30 s for a load in progress) and closes every session, installed or still in hand-off. */
    @Override
    public void close() throws InterruptedException {
        loader.shutdownNow();
        if (!loader.awaitTermination(30, TimeUnit.SECONDS)) {
            LOG.warn("a model load is still running after 30 s; its session leaks until it ends");
        }
        sessions.values().forEach(ModelLifecycle::closeQuietly);
        sessions.clear();
        handoff.forEach(ModelLifecycle::closeQuietly);
        handoff.clear();
        activeScorer = null;
        shadowScorer = null;
    }

    private static void closeQuietly(BatchScorer s) {
        try {
            s.close();
        } catch (RuntimeException e) {
            LOG.warn("closing a scorer failed: {}", e.toString());
        }
    }
}
