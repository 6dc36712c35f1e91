package dev.tandem.schemas.serde;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.Decoder;
import org.apache.avro.util.Utf8;

/**
 * A {@link BinaryDecoder} over one payload that refuses any length or item count larger than the bytes left, before
 * allocating for it. Avro's own decoder allocates what a length prefix says (up to about 2 GB per string, bytes,
 * array or map), so a single corrupt or hostile record could throw {@link OutOfMemoryError} and take the consumer
 * down with it. Every item of an array or map takes at least one byte in every Tandem schema, so a count above the
 * bytes left cannot be data. Refusals are {@link EOFException}s: the record claims more than it holds.
 */
final class BoundedDecoder extends Decoder {
    private BinaryDecoder in;

    BoundedDecoder reset(BinaryDecoder decoder) {
        this.in = decoder;
        return this;
    }

    private int left() throws IOException {
        return in.inputStream().available();
    }

    private int length(String what) throws IOException {
        long n = in.readLong();
        if (n < 0) throw new AvroRuntimeException("Malformed data: " + what + " length is negative: " + n);
        int left = left();
        if (n > left) throw new EOFException(what + " of " + n + " bytes claimed, " + left + " bytes left");
        return (int) n;
    }

    private long items(long count, String what) throws IOException {
        int left = left();
        if (count > left) throw new EOFException(what + " of " + count + " items claimed, " + left + " bytes left");
        return count;
    }

    @Override
    public void readNull() throws IOException {
        in.readNull();
    }

    @Override
    public boolean readBoolean() throws IOException {
        return in.readBoolean();
    }

    @Override
    public int readInt() throws IOException {
        return in.readInt();
    }

    @Override
    public long readLong() throws IOException {
        return in.readLong();
    }

    @Override
    public float readFloat() throws IOException {
        return in.readFloat();
    }

    @Override
    public double readDouble() throws IOException {
        return in.readDouble();
    }

    @Override
    public Utf8 readString(Utf8 old) throws IOException {
        int n = length("string");
        Utf8 result = old != null ? old : new Utf8();
        result.setByteLength(n);
        if (n > 0) in.readFixed(result.getBytes(), 0, n);
        return result;
    }

    @Override
    public String readString() throws IOException {
        int n = length("string");
        if (n == 0) return "";
        byte[] b = new byte[n];
        in.readFixed(b, 0, n);
        return new String(b, StandardCharsets.UTF_8);
    }

    @Override
    public void skipString() throws IOException {
        in.skipFixed(length("string"));
    }

    @Override
    public ByteBuffer readBytes(ByteBuffer old) throws IOException {
        int n = length("bytes");
        ByteBuffer result;
        if (old != null && old.capacity() >= n) {
            result = old;
            result.clear();
        } else {
            result = ByteBuffer.allocate(n);
        }
        in.readFixed(result.array(), result.position(), n);
        result.limit(n);
        return result;
    }

    @Override
    public void skipBytes() throws IOException {
        in.skipFixed(length("bytes"));
    }

    @Override
    public void readFixed(byte[] bytes, int start, int length) throws IOException {
        in.readFixed(bytes, start, length);
    }

    @Override
    public void skipFixed(int length) throws IOException {
        in.skipFixed(length);
    }

    @Override
    public int readEnum() throws IOException {
        return in.readEnum();
    }

    @Override
    public long readArrayStart() throws IOException {
        return items(in.readArrayStart(), "array");
    }

    @Override
    public long arrayNext() throws IOException {
        return items(in.arrayNext(), "array block");
    }

    @Override
    public long skipArray() throws IOException {
        return items(in.skipArray(), "array");
    }

    @Override
    public long readMapStart() throws IOException {
        return items(in.readMapStart(), "map");
    }

    @Override
    public long mapNext() throws IOException {
        return items(in.mapNext(), "map block");
    }

    @Override
    public long skipMap() throws IOException {
        return items(in.skipMap(), "map");
    }

    @Override
    public int readIndex() throws IOException {
        return in.readIndex();
    }
}
