package dev.tandem.schemas.serde;

import java.io.ByteArrayOutputStream;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;

/**
 * Per-thread buffers, encoder and decoder, shared by every serde instance on the thread, so
 * the steady state allocates only the output array. Static, so no serde instance can leak one.
 */
final class Scratch {
    static final ThreadLocal<Scratch> CURRENT = ThreadLocal.withInitial(Scratch::new);

    final Buffer out = new Buffer();
    final Buffer conversion = new Buffer();
    BinaryEncoder encoder;
    BinaryEncoder conversionEncoder;
    BinaryDecoder decoder;
    final BoundedDecoder bounded = new BoundedDecoder();
    BinaryDecoder conversionDecoder;

    /** A ByteArrayOutputStream that exposes its array, to decode from it without a copy. */
    static final class Buffer extends ByteArrayOutputStream {
        Buffer() {
            super(512);
        }

        byte[] array() {
            return buf;
        }
    }
}
