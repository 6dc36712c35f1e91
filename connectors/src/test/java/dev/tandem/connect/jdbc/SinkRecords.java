package dev.tandem.connect.jdbc;

import dev.tandem.connect.serving.Freshness;
import dev.tandem.connect.serving.Objective;
import dev.tandem.connect.serving.Recommendation;
import dev.tandem.connect.sink.PredictionStructs;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.sink.SinkRecord;

/** Records as the worker hands them to the task, and what the store should end up holding for them. */
final class SinkRecords {
    static final String TOPIC = "predictions";

    private SinkRecords() {}

    static SinkRecord record(Struct prediction, long offset) {
        return new SinkRecord(
                TOPIC,
                0,
                Schema.STRING_SCHEMA,
                prediction.getString("user_id"),
                prediction.schema(),
                prediction,
                offset);
    }

    static SinkRecord tombstone(String user, long offset) {
        return new SinkRecord(TOPIC, 0, Schema.STRING_SCHEMA, user, null, null, offset);
    }

    /** A tombstone with the forget header, as the scoring job writes it for a forgotten user. */
    static SinkRecord forget(String user, long offset) {
        SinkRecord r = tombstone(user, offset);
        r.headers().addString(dev.tandem.schemas.topics.ForgetSignal.HEADER, "1");
        return r;
    }

    /** The recommendation the sink stores for a prediction under the default config. */
    static Recommendation expected(Struct prediction) {
        return PredictionStructs.toRecommendation(prediction, Objective.parse("probability:PURCHASE", 0), 100);
    }

    static long requestTime(Struct p) {
        return ((Date) p.get("request_time")).getTime();
    }

    /** Per user, the request id of its newest prediction by {@link Freshness}. */
    static Map<String, String> newestPerUser(List<Struct> predictions) {
        Map<String, Struct> newest = new HashMap<>();
        for (Struct p : predictions) {
            newest.merge(
                    p.getString("user_id"),
                    p,
                    (a, b) -> Freshness.compare(
                                            requestTime(b),
                                            b.getString("request_id"),
                                            requestTime(a),
                                            a.getString("request_id"))
                                    > 0
                            ? b
                            : a);
        }
        Map<String, String> ids = new HashMap<>();
        newest.forEach((user, p) -> ids.put(user, p.getString("request_id")));
        return ids;
    }
}
