package dev.tandem.features.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ByteWriterTest {
    /** The encoders' bytes are stored and sent: the writer must give exactly what the stream classes gave. */
    @Test
    void writesTheSameBytesAsTheStreamClassesItReplaces() throws IOException {
        SplittableRandom rnd = new SplittableRandom(7);
        ByteWriter w = new ByteWriter(1);
        ByteArrayOutputStream ref = new ByteArrayOutputStream();
        DataOutputStream data = new DataOutputStream(ref);
        for (int i = 0; i < 5_000; i++) {
            long v = switch (i % 4) {
                case 0 -> rnd.nextLong();
                case 1 -> rnd.nextLong(1 << 14);
                case 2 -> -1L;
                default -> Long.MAX_VALUE >>> rnd.nextInt(63);
            };
            w.writeVarLong(v);
            long x = v;
            while ((x & ~0x7FL) != 0) {
                ref.write((int) ((x & 0x7F) | 0x80));
                x >>>= 7;
            }
            ref.write((int) x);
            double d = rnd.nextDouble() * 1e6 - 5e5;
            w.writeDouble(d);
            data.writeDouble(d);
            w.write(i);
            ref.write(i);
            byte[] chunk = new byte[rnd.nextInt(40)];
            rnd.nextBytes(chunk);
            w.write(chunk, 0, chunk.length);
            ref.write(chunk, 0, chunk.length);
        }
        assertThat(w.size()).isEqualTo(ref.size());
        assertThat(w.toByteArray()).isEqualTo(ref.toByteArray());
    }

    @Test
    void aDataOutputStreamWritesThroughIt() throws IOException {
        ByteWriter w = new ByteWriter(2);
        try (DataOutputStream out = new DataOutputStream(w)) {
            out.writeUTF("model-v2");
            out.writeFloat(0.25f);
        }
        ByteArrayOutputStream ref = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(ref)) {
            out.writeUTF("model-v2");
            out.writeFloat(0.25f);
        }
        assertThat(w.toByteArray()).isEqualTo(ref.toByteArray());
    }

    @Test
    void refusesAChunkOutsideItsArray() {
        ByteWriter w = new ByteWriter(4);
        assertThatThrownBy(() -> w.write(new byte[3], 2, 2)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(w.size()).isZero();
    }
}
