package dev.tandem.monitoring.core;

import static dev.tandem.monitoring.core.Varints.count;
import static dev.tandem.monitoring.core.Varints.readString;
import static dev.tandem.monitoring.core.Varints.readVarLong;
import static dev.tandem.monitoring.core.Varints.unzigzag;
import static dev.tandem.monitoring.core.Varints.writeString;
import static dev.tandem.monitoring.core.Varints.zigzag;

import dev.tandem.features.codec.ByteWriter;
import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.schemas.Action;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * One user's state in the monitoring app: predictions waiting for their horizon to pass, and the user's recent
 * conversions (events of a funnel stage after the exposure) they will be graded with. Conversions are kept apart
 * from predictions because the two arrive on different topics in any order: a prediction may be read after the
 * cart that answers it. {@link OutcomeGrader} holds the rules; this is the state and its bytes.
 *
 * <p>Bytes (format 2): {@code u8 version, zigzag armedTimer, varint nPending, per pending (str requestId, zigzag
 * requestTime, str model, str version, u8 flags (bit 0: shadow), varint nStages, str stage…, varint nCandidates, per
 * candidate (str item, nStages × f32)), varint nConversions, per conversion (str item, zigzag time, u8 action
 * ordinal)}; strings are varint length + UTF-8. Format 1, without the flags (no shadow predictions then), is still
 * read: a store written before the change decodes. A waiting prediction's bytes are kept with it (they do not change
 * while it waits), so a re-encoding copies them. Not thread-safe.
 *
 * <p>Predictions are a list, not keyed by request id: the active version's and a shadow version's predictions of one
 * request wait side by side and are graded alike.
 */
public final class UserOutcomes {
    private static final int FORMAT_VERSION = 2;
    private static final int FORMAT_WITHOUT_FLAGS = 1;
    private static final int FLAG_SHADOW = 1;
    private static final Action[] ACTIONS = Action.values();

    final List<PendingPrediction> pending = new ArrayList<>();
    final List<BehaviourEvent> conversions = new ArrayList<>();
    /** The time at which the timer index holds this user (Long.MAX_VALUE: not indexed). */
    long armedTimerMs = Long.MAX_VALUE;
    /**
     * Each waiting prediction's bytes as last encoded or decoded, by identity: a prediction does not change while it
     * waits, so a user's state is re-encoded (on every conversion, every prediction) mostly from these.
     */
    private Map<PendingPrediction, byte[]> encodedPending = new IdentityHashMap<>();

    public List<PendingPrediction> pending() {
        return pending;
    }

    public List<BehaviourEvent> conversions() {
        return conversions;
    }

    public boolean isEmpty() {
        return pending.isEmpty() && conversions.isEmpty();
    }

    public long armedTimerMs() {
        return armedTimerMs;
    }

    public void armedTimerMs(long t) {
        armedTimerMs = t;
    }

    /** Candidates waiting for their outcome. */
    public int pendingCandidates() {
        int n = 0;
        for (PendingPrediction p : pending) n += p.candidates().size();
        return n;
    }

    public byte[] encode() {
        ByteWriter out = new ByteWriter(64);
        out.write(FORMAT_VERSION);
        out.writeVarLong(zigzag(armedTimerMs));
        out.writeVarLong(pending.size());
        Map<PendingPrediction, byte[]> encoded = new IdentityHashMap<>(pending.size() * 2);
        for (PendingPrediction p : pending) {
            byte[] bytes = encodedPending.get(p);
            if (bytes == null) bytes = encode(p);
            encoded.put(p, bytes);
            out.write(bytes, 0, bytes.length);
        }
        encodedPending = encoded;
        out.writeVarLong(conversions.size());
        for (BehaviourEvent e : conversions) {
            writeString(out, e.itemId());
            out.writeVarLong(zigzag(e.eventTimeMs()));
            out.write(e.action().ordinal());
        }
        return out.toByteArray();
    }

    private static byte[] encode(PendingPrediction p) {
        ByteWriter out =
                new ByteWriter(32 + p.candidates().size() * (12 + 4 * p.stages().size()));
        writeString(out, p.requestId());
        out.writeVarLong(zigzag(p.requestTimeMs()));
        writeString(out, p.modelName());
        writeString(out, p.modelVersion());
        out.write(p.shadow() ? FLAG_SHADOW : 0);
        out.writeVarLong(p.stages().size());
        for (String s : p.stages()) writeString(out, s);
        out.writeVarLong(p.candidates().size());
        byte[] f32 = new byte[4];
        for (PendingPrediction.Candidate c : p.candidates()) {
            writeString(out, c.itemId());
            if (c.probabilities().length != p.stages().size()) {
                throw new IllegalArgumentException(
                        "candidate " + c.itemId() + " of " + p.requestId() + " has " + c.probabilities().length
                                + " probabilities for " + p.stages().size() + " stages");
            }
            for (float f : c.probabilities()) {
                int bits = Float.floatToRawIntBits(f);
                for (int i = 3; i >= 0; i--) f32[3 - i] = (byte) (bits >>> (8 * i));
                out.write(f32, 0, 4);
            }
        }
        return out.toByteArray();
    }

    /** @throws IllegalArgumentException for unknown versions, truncated, trailing or corrupt bytes */
    public static UserOutcomes decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            int version = in.get() & 0xff;
            if (version != FORMAT_VERSION && version != FORMAT_WITHOUT_FLAGS)
                throw new IllegalArgumentException("unknown format version " + version);
            UserOutcomes s = new UserOutcomes();
            s.armedTimerMs = unzigzag(readVarLong(in));
            int n = count(in);
            for (int i = 0; i < n; i++) {
                int start = in.position();
                String id = readString(in);
                long t = unzigzag(readVarLong(in));
                String model = readString(in);
                String modelVersion = readString(in);
                boolean shadow = false;
                if (version != FORMAT_WITHOUT_FLAGS) {
                    int flags = in.get() & 0xff;
                    if ((flags & ~FLAG_SHADOW) != 0) throw new IllegalArgumentException("unknown flags " + flags);
                    shadow = (flags & FLAG_SHADOW) != 0;
                }
                int k = count(in);
                List<String> stages = new ArrayList<>(k);
                for (int j = 0; j < k; j++) stages.add(readString(in));
                int m = count(in);
                List<PendingPrediction.Candidate> candidates = new ArrayList<>(m);
                for (int j = 0; j < m; j++) {
                    String item = readString(in);
                    float[] p = new float[k];
                    for (int q = 0; q < k; q++) p[q] = Float.intBitsToFloat(in.getInt());
                    candidates.add(new PendingPrediction.Candidate(item, p));
                }
                PendingPrediction p = new PendingPrediction(id, t, model, modelVersion, stages, candidates, shadow);
                s.pending.add(p);
                // an older format's bytes would be copied into a newer encoding: those are encoded afresh
                if (version == FORMAT_VERSION) s.encodedPending.put(p, Arrays.copyOfRange(bytes, start, in.position()));
            }
            int c = count(in);
            for (int i = 0; i < c; i++) {
                String item = readString(in);
                long t = unzigzag(readVarLong(in));
                int a = in.get() & 0xff;
                if (a >= ACTIONS.length) throw new IllegalArgumentException("unknown action ordinal " + a);
                s.conversions.add(new BehaviourEvent("", item, "", ACTIONS[a], t));
            }
            if (in.hasRemaining()) throw new IllegalArgumentException(in.remaining() + " trailing bytes");
            return s;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated user outcomes state", e);
        }
    }
}
