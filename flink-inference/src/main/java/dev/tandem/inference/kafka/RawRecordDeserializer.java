package dev.tandem.inference.kafka;

import dev.tandem.inference.core.RawRecord;
import dev.tandem.schemas.topics.ForgetSignal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Every record as a {@link RawRecord} (decoding happens in the job, where bad records can go to dead letters). Public for jobs built on other topics (the benchmarks). */
public final class RawRecordDeserializer implements KafkaRecordDeserializationSchema<RawRecord> {
    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> r, Collector<RawRecord> out) {
        RawRecord raw = RawRecord.of(
                r.topic(),
                r.partition(),
                r.offset(),
                r.timestamp() < 0 ? Long.MIN_VALUE : r.timestamp(),
                r.key(),
                r.value());
        raw.forget = ForgetSignal.isForget(r.headers());
        out.collect(raw);
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return TypeInformation.of(RawRecord.class);
    }
}
