package dev.tandem.inference.core;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The scoring job's catalog: item id → the item's codes ({@link RequestEncoder#itemCodes}), looked up per candidate,
 * and kept for checkpoints as {@link #BUCKETS} packed buckets instead of one entry per item. A checkpoint of broadcast
 * state writes every entry from every subtask; per item that was a string key written char by char plus an array, which
 * a profile showed as most of the job's checkpoint CPU (20,000 items, checkpoints every 20 ms). As buckets, a checkpoint
 * writes {@link #BUCKETS} byte arrays in bulk, and only buckets changed since the last checkpoint are packed again.
 * Plain Java: the Flink operator decides when to {@link #drainDirty pack} and where the bytes go.
 */
public final class ItemCatalog {
    /** Buckets of the packed form: ~80 items each for a 20,000-item catalog, so one update re-packs ~2 KB. */
    public static final int BUCKETS = 256;

    private final Map<String, int[]> codes = new HashMap<>();
    private final List<List<String>> ids = new ArrayList<>(BUCKETS);
    private final BitSet dirty = new BitSet(BUCKETS);
    // The read path, apart from the map above: open addressing on a 64-bit hash of the id (linear probing, load at
    // most 1/2). A lookup per candidate in the HashMap walked bucket chains (numeric ids collide in String.hashCode)
    // and touched node, key string and its bytes: in a JFR profile that was a third of the scoring thread's Java time.
    // Here: one probe in keys[], one reference in values[]. Distinct ids that share all 64 bits would share codes:
    // for a 20,000-item catalog and 10^9 distinct candidate ids that happens with probability ~10^-6.
    private long[] keys = new long[1024];
    private int[][] values = new int[1024][];
    private int used;

    public ItemCatalog() {
        for (int b = 0; b < BUCKETS; b++) ids.add(new ArrayList<>());
    }

    public static int bucket(String itemId) {
        return Math.floorMod(itemId.hashCode(), BUCKETS);
    }

    /** The item's codes, or null when the catalog does not know it. */
    public int[] get(String itemId) {
        long h = hash64(itemId);
        int mask = keys.length - 1;
        for (int i = (int) h & mask; ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == h) return values[i];
            if (k == 0) return null;
        }
    }

    public void put(String itemId, int[] itemCodes) {
        if (codes.put(itemId, itemCodes) == null) ids.get(bucket(itemId)).add(itemId);
        dirty.set(bucket(itemId));
        index(hash64(itemId), itemCodes);
    }

    private void index(long h, int[] itemCodes) {
        if (2 * (used + 1) > keys.length) grow();
        int mask = keys.length - 1;
        for (int i = (int) h & mask; ; i = (i + 1) & mask) {
            if (keys[i] == h) {
                values[i] = itemCodes;
                return;
            }
            if (keys[i] == 0) {
                keys[i] = h;
                values[i] = itemCodes;
                used++;
                return;
            }
        }
    }

    private void grow() {
        long[] oldKeys = keys;
        int[][] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new int[oldKeys.length * 2][];
        used = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != 0) index(oldKeys[i], oldValues[i]);
        }
    }

    /** FNV-1a over the chars, then MurmurHash3's 64-bit finaliser; never 0 (0 marks an empty slot). */
    static long hash64(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0, n = s.length(); i < n; i++) {
            h = (h ^ s.charAt(i)) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h == 0 ? 1 : h;
    }

    public int size() {
        return codes.size();
    }

    /** Marks every bucket as changed (after a restore, so the next pack rewrites all of them in this version's layout). */
    public void markAllDirty() {
        dirty.set(0, BUCKETS);
    }

    /** Hands each bucket changed since the last call to {@code sink}, packed (an empty bucket as an empty array), and forgets the changes. */
    public void drainDirty(PackedSink sink) {
        for (int b = dirty.nextSetBit(0); b >= 0; b = dirty.nextSetBit(b + 1)) {
            sink.accept(b, pack(b));
        }
        dirty.clear();
    }

    /** Where {@link #drainDirty} puts a bucket. */
    @FunctionalInterface
    public interface PackedSink {
        void accept(int bucket, byte[] packed);
    }

    /** Layout: count, then per item: id length and UTF-8 bytes, number of codes, the codes. */
    byte[] pack(int bucket) {
        List<String> inBucket = ids.get(bucket);
        if (inBucket.isEmpty()) return new byte[0];
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(inBucket.size() * 40);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(inBucket.size());
            for (String id : inBucket) {
                int[] c = codes.get(id);
                byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
                out.writeInt(utf8.length);
                out.write(utf8);
                out.writeShort(c.length);
                for (int v : c) out.writeInt(v);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Adds every item of a packed bucket (whatever bucket it was packed as; the ids are re-bucketed here). */
    public void unpack(byte[] packed) {
        if (packed == null || packed.length == 0) return;
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(packed))) {
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                byte[] utf8 = new byte[in.readInt()];
                in.readFully(utf8);
                String id = new String(utf8, StandardCharsets.UTF_8);
                int[] c = new int[in.readShort()];
                for (int k = 0; k < c.length; k++) c[k] = in.readInt();
                put(id, c);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt packed catalog bucket", e);
        }
    }
}
