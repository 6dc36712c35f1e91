package dev.tandem.inference.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ItemCatalogTest {
    private static Map<String, int[]> randomItems(int n, long seed) {
        Random r = new Random(seed);
        Map<String, int[]> items = new HashMap<>();
        for (int i = 0; i < n; i++) {
            String id = (i % 7 == 0 ? "日本-" : "item-") + r.nextInt(1_000_000) + "-" + i;
            items.put(id, new int[] {r.nextInt(), r.nextInt(100), r.nextInt(50), r.nextInt(10)});
        }
        return items;
    }

    /** What a checkpoint holds: bucket → packed bytes, as the operator's broadcast state keeps them. */
    private static Map<Integer, byte[]> drain(ItemCatalog c, Map<Integer, byte[]> state) {
        c.drainDirty((b, bytes) -> {
            if (bytes.length == 0) state.remove(b);
            else state.put(b, bytes);
        });
        return state;
    }

    @Test
    void everyItemSurvivesPackingAndUnpacking() {
        Map<String, int[]> items = randomItems(5_000, 1);
        ItemCatalog c = new ItemCatalog();
        items.forEach(c::put);
        Map<Integer, byte[]> state = drain(c, new TreeMap<>());
        assertThat(state.size()).isLessThanOrEqualTo(ItemCatalog.BUCKETS).isGreaterThan(ItemCatalog.BUCKETS / 2);

        ItemCatalog restored = new ItemCatalog();
        state.values().forEach(restored::unpack);
        assertThat(restored.size()).isEqualTo(items.size());
        items.forEach((id, codes) -> assertThat(restored.get(id)).as(id).containsExactly(codes));
        assertThat(restored.get("never-seen")).isNull();
    }

    @Test
    void onlyBucketsChangedSinceTheLastDrainArePackedAgain() {
        ItemCatalog c = new ItemCatalog();
        Map<String, int[]> items = randomItems(2_000, 2);
        items.forEach(c::put);
        Map<Integer, byte[]> state = drain(c, new TreeMap<>());

        Map<Integer, byte[]> second = new TreeMap<>();
        c.drainDirty(second::put);
        assertThat(second).isEmpty();

        c.put("item-new", new int[] {1, 2, 3, 4});
        int[] updated = {9, 9, 9, 9};
        String existing = items.keySet().iterator().next();
        c.put(existing, updated);
        assertThat(c.get(existing)).containsExactly(updated);
        assertThat(c.size()).isEqualTo(items.size() + 1);
        Map<Integer, byte[]> third = new TreeMap<>();
        c.drainDirty(third::put);
        assertThat(third.keySet())
                .containsExactlyInAnyOrder(distinct(ItemCatalog.bucket("item-new"), ItemCatalog.bucket(existing)));

        // the changed buckets over the old state: a restore sees the update and the new item, and nothing lost
        state.putAll(third);
        ItemCatalog restored = new ItemCatalog();
        state.values().forEach(restored::unpack);
        assertThat(restored.size()).isEqualTo(c.size());
        assertThat(restored.get(existing)).containsExactly(updated);
        assertThat(restored.get("item-new")).containsExactly(1, 2, 3, 4);
    }

    @Test
    void numericIdsThatCollideInStringHashCodeGetDistinctSlots() {
        // the generator's ids: "100001", "100002", …; String.hashCode puts ~2.2 of them per HashMap bucket
        ItemCatalog c = new ItemCatalog();
        java.util.Set<Long> hashes = new java.util.HashSet<>();
        for (int i = 0; i < 200_000; i++) {
            String id = Long.toString(100_001L + i);
            assertThat(hashes.add(ItemCatalog.hash64(id))).as(id).isTrue();
            if (i < 20_000) c.put(id, new int[] {i, i + 1, i + 2, i + 3});
        }
        for (int i = 0; i < 20_000; i++)
            assertThat(c.get(Long.toString(100_001L + i))).containsExactly(i, i + 1, i + 2, i + 3);
        assertThat(c.get("120001")).isNull();
        assertThat(c.get("")).isNull();
    }

    @Test
    void anEmptyCatalogPacksToNothing() {
        ItemCatalog c = new ItemCatalog();
        c.markAllDirty();
        Map<Integer, byte[]> state = drain(c, new TreeMap<>());
        assertThat(state).isEmpty();
    }

    private static Integer[] distinct(int a, int b) {
        return a == b ? new Integer[] {a} : new Integer[] {a, b};
    }
}
