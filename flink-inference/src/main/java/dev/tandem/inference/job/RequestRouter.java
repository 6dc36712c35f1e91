package dev.tandem.inference.job;

import dev.tandem.inference.core.DeadLetter;
import dev.tandem.inference.core.RawRecord;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.WireFormat;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Sends raw {@code scoring-requests} records to the keyed join as {@link UserInput#ofRaw raw bytes with their user id},
 * reading only the user id from the Avro body: the request is decoded once, by the join ({@link RequestFeatureJoin}).
 * Why: a decoded {@code ScoringRequest} crossing the {@code keyBy} was Avro-encoded on this side and Avro-decoded on the
 * other, on top of the decode here; in two JFR profiles the exchange's deserialization alone was 8 % and 17 % of the
 * scoring thread's Java samples. The shortcut applies when the record's writer schema starts with {@code request_id} and {@code user_id} as
 * strings (Avro binary has no field tags, so only the writer schema says where {@code user_id} is); any other record,
 * and one whose user id is blank or too long, is decoded and validated here in full ({@link RequestDecoder}) and, if it
 * fails, goes to {@link RequestDecoder#DEAD_LETTERS} with its original bytes, as before.
 */
public final class RequestRouter extends ProcessFunction<RawRecord, UserInput> {
    private final RequestDecoder decoder;
    private transient SchemaRegistryClient registry;
    /** Writer schema id → whether its first two fields are request_id and user_id, strings. */
    private transient Map<Integer, Boolean> idsFirst;

    private transient Counter deadLetters;

    public RequestRouter(String registryUrl, int maxIdLength) {
        this.decoder = new RequestDecoder(registryUrl, maxIdLength);
    }

    /** @param registry the registry client's settings: {@code schema.registry.url} and any auth settings */
    public RequestRouter(Map<String, String> registry, int maxIdLength) {
        this.decoder = new RequestDecoder(registry, maxIdLength);
    }

    @Override
    public void open(OpenContext ctx) {
        decoder.open();
        registry = SchemaRegistryClients.fromConfigs(decoder.registry());
        idsFirst = new HashMap<>();
        deadLetters = getRuntimeContext().getMetricGroup().counter(ScoringMetrics.DEAD_LETTERS);
    }

    @Override
    public void close() {
        if (registry != null) registry.close();
    }

    @Override
    public void processElement(RawRecord in, Context ctx, Collector<UserInput> out) {
        String user = userIdFromBytes(in);
        if (user == null) {
            ScoringRequest r = decoder.decode(in, (reason, error) -> {
                deadLetters.inc();
                ctx.output(RequestDecoder.DEAD_LETTERS, DeadLetter.of(in, reason, error));
            });
            if (r == null) return;
            user = r.getUserId();
        }
        out.collect(UserInput.ofRaw(user, in));
    }

    /** The user id read straight from the body, or null when that is not safe (then the record is decoded in full). */
    String userIdFromBytes(RawRecord in) {
        byte[] v = in.value;
        if (v == null || v.length < WireFormat.HEADER_SIZE || v[0] != WireFormat.MAGIC_BYTE) return null;
        int id = ((v[1] & 0xff) << 24) | ((v[2] & 0xff) << 16) | ((v[3] & 0xff) << 8) | (v[4] & 0xff);
        Boolean ok = idsFirst.get(id);
        if (ok == null) {
            try {
                ok = idsFirst(registry.getSchemaById(id));
            } catch (RuntimeException e) {
                return null; // unknown id or registry trouble: the full decode reports it
            }
            idsFirst.put(id, ok);
        }
        if (!ok) return null;
        // request_id then user_id: each a zigzag varint length and UTF-8 bytes; lengths checked against the record
        // before anything is allocated (a corrupt length must not become a huge buffer)
        int[] pos = {WireFormat.HEADER_SIZE};
        long skip = varint(v, pos);
        if (skip < 0 || skip > v.length - pos[0]) return null;
        pos[0] += (int) skip;
        long len = varint(v, pos);
        if (len <= 0 || len > v.length - pos[0] || len > 4L * decoder.maxIdLength()) return null;
        String user = new String(v, pos[0], (int) len, StandardCharsets.UTF_8);
        return user.isBlank() || user.length() > decoder.maxIdLength() ? null : user;
    }

    /** Avro's zigzag varint at {@code pos[0]}, advancing it; -1 when malformed or cut short. */
    private static long varint(byte[] v, int[] pos) {
        long raw = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos[0] >= v.length) return -1;
            byte b = v[pos[0]++];
            raw |= (long) (b & 0x7f) << shift;
            if (b >= 0) return (raw >>> 1) ^ -(raw & 1);
        }
        return -1;
    }

    static boolean idsFirst(Schema writer) {
        if (writer.getType() != Schema.Type.RECORD) return false;
        List<Schema.Field> f = writer.getFields();
        return f.size() >= 2
                && f.get(0).name().equals("request_id")
                && f.get(0).schema().getType() == Schema.Type.STRING
                && f.get(1).name().equals("user_id")
                && f.get(1).schema().getType() == Schema.Type.STRING;
    }
}
