package dev.tandem.bench.jmh;

import dev.tandem.schemas.Action;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.registry.MockSchemaRegistry;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Steady-state cost of the wire-format serde on a realistic UserEvent (the registry lookup is
 * cached after the first record), against plain Avro into a reused encoder (no header, no
 * registry) so the wire format's overhead shows as a ratio.
 *
 * <p>Run: {@code mvn -B -q -pl bench -am test -DskipTests -Djmh.include=SerdeBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class SerdeBenchmark {
    private static final String TOPIC = "events";

    private UserEvent event;
    private TandemAvroSerializer<UserEvent> serializer;
    private TandemAvroDeserializer<UserEvent> deserializer;
    private SpecificDatumWriter<UserEvent> plainWriter;
    private SpecificDatumReader<UserEvent> plainReader;
    private byte[] wire;
    private byte[] plain;
    private String scope;

    /** A view on a product page, as the generator and replays produce them. */
    static UserEvent realisticEvent() {
        return UserEvent.newBuilder()
                .setEventId("rees46-2019-10-01T00:00:04Z-541312140-44600062")
                .setUserId("541312140")
                .setItemId("44600062")
                .setCategoryId("2103807459595387724")
                .setAction(Action.VIEW)
                .setEventTime(Instant.parse("2019-10-01T00:00:04Z"))
                .setPrice(35.79)
                .setBrand("shiseido")
                .setSessionId("72d76fde-8bb3-4e00-8c23-a032dfed738c")
                .setAttributes(Map.of("category_code", "cosmetics.skin.care"))
                .build();
    }

    @Setup
    public void setUp() throws IOException {
        scope = "bench-" + System.nanoTime();
        SchemaRegistryClient client = MockSchemaRegistry.client(scope);
        event = realisticEvent();
        serializer = new TandemAvroSerializer<>(client, false);
        deserializer = new TandemAvroDeserializer<>(UserEvent.class, client, false);
        wire = serializer.serialize(TOPIC, event);
        deserializer.deserialize(TOPIC, wire);
        plainWriter = new SpecificDatumWriter<>(UserEvent.class);
        plainReader = new SpecificDatumReader<>(UserEvent.class);
        plain = plainEncode(new PlainState());
    }

    @TearDown
    public void tearDown() {
        System.out.printf(
                "%nbytes/event: wire format %d, plain Avro %d (header %d)%n",
                wire.length, plain.length, wire.length - plain.length);
        MockSchemaRegistry.drop(scope);
    }

    /** Per-thread reusable buffers for the baseline, as the serde keeps its own per thread. */
    @State(Scope.Thread)
    public static class PlainState {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        BinaryEncoder encoder;
        BinaryDecoder decoder;
    }

    private byte[] plainEncode(PlainState s) throws IOException {
        s.out.reset();
        s.encoder = EncoderFactory.get().binaryEncoder(s.out, s.encoder);
        plainWriter.write(event, s.encoder);
        s.encoder.flush();
        return s.out.toByteArray();
    }

    @Benchmark
    public byte[] serialize() {
        return serializer.serialize(TOPIC, event);
    }

    @Benchmark
    public UserEvent deserialize() {
        return deserializer.deserialize(TOPIC, wire);
    }

    @Benchmark
    public byte[] plainAvroSerialize(PlainState s) throws IOException {
        return plainEncode(s);
    }

    @Benchmark
    public UserEvent plainAvroDeserialize(PlainState s) throws IOException {
        s.decoder = DecoderFactory.get().binaryDecoder(plain, s.decoder);
        return plainReader.read(null, s.decoder);
    }

    public static void main(String[] args) throws Exception {
        Options options = new OptionsBuilder()
                .include(SerdeBenchmark.class.getName() + "\\.")
                .forks(1)
                .warmupIterations(3)
                .warmupTime(org.openjdk.jmh.runner.options.TimeValue.seconds(2))
                .measurementIterations(5)
                .measurementTime(org.openjdk.jmh.runner.options.TimeValue.seconds(2))
                .build();
        new Runner(options).run();
    }
}
