package dev.tandem.connect.redis;

import dev.tandem.connect.sink.PredictionStructFixture;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.sink.SinkRecord;

/** Sink records of the {@code predictions} topic, with offsets handed out per partition in creation order. */
final class Records {
    static final String TOPIC = "predictions";
    private final Map<Integer, Long> nextOffset = new HashMap<>();

    SinkRecord prediction(int partition, Struct value) {
        return record(partition, value.getString("user_id"), PredictionStructFixture.PREDICTION, value);
    }

    SinkRecord tombstone(int partition, Object key) {
        return record(partition, key, PredictionStructFixture.PREDICTION, null);
    }

    SinkRecord record(int partition, Object key, Schema valueSchema, Object value) {
        long offset = nextOffset.merge(partition, 1L, Long::sum) - 1;
        return new SinkRecord(TOPIC, partition, Schema.OPTIONAL_STRING_SCHEMA, key, valueSchema, value, offset);
    }
}
