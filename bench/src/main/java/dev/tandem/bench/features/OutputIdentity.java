package dev.tandem.bench.features;

import dev.tandem.bench.CommittedTopic;
import dev.tandem.bench.OutputLedger;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Which input a features run's output answers, read from the output's value (registry wire format: a 5-byte header,
 * then Avro): one output per input means one per identity.
 */
enum OutputIdentity {
    /**
     * A {@code UserFeatures} (the real topology, the naive baseline): its {@code user_id} and {@code sequence_version},
     * the schema's first and third fields. Both topologies count a user's accepted events, so each event has its version.
     */
    USER_FEATURES("(user_id, sequence_version)") {
        @Override
        void enter(byte[] value, OutputLedger ledger) throws IOException {
            BinaryDecoder d = body(value);
            String user = d.readString();
            d.readLong(); // as_of
            ledger.add(user, d.readLong(), value.length);
        }
    },
    /**
     * A record that starts with the input {@code UserEvent} (the raw ring reference forwards the event's bytes; the upper
     * bound pads them): its {@code event_id}, the schema's first field. Generated ids are {@code <prefix><number>}; the
     * number is entered under the prefix.
     */
    EVENT_ID("event_id") {
        @Override
        void enter(byte[] value, OutputLedger ledger) throws IOException {
            String id = body(value).readString();
            int digits = id.length();
            while (digits > 0 && Character.isDigit(id.charAt(digits - 1))) digits--;
            if (digits == id.length() || id.length() - digits > 18) {
                throw new IOException("event id without a number at its end: " + id);
            }
            ledger.add(id.substring(0, digits), Long.parseLong(id.substring(digits)), value.length);
        }
    };

    private static final int HEADER = 5;

    final String description;

    OutputIdentity(String description) {
        this.description = description;
    }

    /**
     * Reads {@code end}'s partitions from the beginning to {@code end} ({@link CommittedTopic#readTo}) and enters every
     * output in a new ledger; a value that does not parse fails the run. Tombstones (a user expired) answer no event and are
     * skipped.
     */
    OutputLedger readTo(Consumer<byte[], byte[]> c, Map<TopicPartition, Long> end) {
        OutputLedger ledger = new OutputLedger();
        CommittedTopic.readTo(
                c,
                end,
                r -> {
                    if (r.value() == null) return;
                    try {
                        enter(r.value(), ledger);
                    } catch (IOException | RuntimeException e) {
                        throw new IllegalStateException(
                                r.topic() + "-" + r.partition() + "@" + r.offset() + ": an output without a readable "
                                        + description + ": " + e.getMessage(),
                                e);
                    }
                },
                Duration.ofSeconds(30));
        return ledger;
    }

    /** Enters the output {@code value} under the identity of the input it answers; an unreadable value throws. */
    abstract void enter(byte[] value, OutputLedger ledger) throws IOException;

    private static BinaryDecoder body(byte[] value) throws IOException {
        if (value.length < HEADER || value[0] != 0) throw new IOException("not in the registry wire format");
        return DecoderFactory.get().binaryDecoder(value, HEADER, value.length - HEADER, null);
    }
}
