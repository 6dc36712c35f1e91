package dev.tandem.monitoring.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WriteBehindStoreTest {
    /** A mutable value, so a change after a write is visible, as the processor's users' states are. */
    static final class Box {
        String text;

        Box(String text) {
            this.text = text;
        }
    }

    private final AtomicInteger encodings = new AtomicInteger();
    private final AtomicInteger decodings = new AtomicInteger();
    private final MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
    private WriteBehindStore<String, Box, byte[]> store;

    private WriteBehindStore<String, Box, byte[]> open(int cachedValues) {
        StoreBuilder<WriteBehindStore<String, Box, byte[]>> builder = WriteBehindStore.builder(
                Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("s"), Serdes.String(), Serdes.ByteArray())
                        .withLoggingDisabled(),
                new WriteBehindStore.Codec<Box, byte[]>(
                        b -> {
                            encodings.incrementAndGet();
                            return b.text.getBytes(StandardCharsets.UTF_8);
                        },
                        bytes -> {
                            decodings.incrementAndGet();
                            return new Box(new String(bytes, StandardCharsets.UTF_8));
                        }),
                cachedValues);
        WriteBehindStore<String, Box, byte[]> s = builder.build();
        s.init(context.getStateStoreContext(), s);
        return s;
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    @BeforeEach
    void setUp() {
        store = open(10);
    }

    @Test
    void writesWithinACommitReachTheStoreOnceEncodedAsTheValueStandsAtTheCommit() {
        Box b = new Box("a");
        store.write("u1", b);
        b.text = "ab";
        store.write("u1", b);
        b.text = "abc";

        assertThat(store.value("u1")).isSameAs(b);
        assertThat(store.get("u1")).as("queries see the last commit only").isNull();
        assertThat(encodings).hasValue(0);

        store.flushCache();

        assertThat(text(store.get("u1"))).isEqualTo("abc");
        assertThat(encodings).as("one encoding for three changes").hasValue(1);
        assertThat(store.dirtyKeys()).isZero();
        store.flushCache();
        assertThat(encodings).as("nothing written twice").hasValue(1);
        assertThat(store.value("u1")).as("kept decoded after the commit").isSameAs(b);
        assertThat(decodings).hasValue(0);
    }

    @Test
    void aRemovalHidesTheValueAtOnceAndDeletesItAtTheCommit() {
        store.write("u1", new Box("a"));
        store.flush();
        store.remove("u1");

        assertThat(store.value("u1")).isNull();
        assertThat(text(store.get("u1"))).isEqualTo("a");
        store.flushCache();
        assertThat(store.get("u1")).isNull();
        assertThat(store.value("u1")).isNull();
    }

    @Test
    void keysIncludeThisThreadsWritesAndLeaveOutItsRemovals() {
        store.write("u1", new Box("a"));
        store.write("u2", new Box("b"));
        store.flushCache();
        store.remove("u1");
        store.write("u3", new Box("c"));

        assertThat(store.keys()).containsExactlyInAnyOrder("u2", "u3");
        assertThat(store.dirtyKeys()).as("written through to list them").isZero();
    }

    @Test
    void whatWasNotCommittedIsForgottenWhenStreamsClearsTheCacheAndTheStoreIsReadAgain() {
        store.write("u1", new Box("committed"));
        store.flushCache();
        Box changed = store.value("u1");
        changed.text = "uncommitted";
        store.write("u1", changed);
        store.write("u2", new Box("uncommitted too"));

        // what Streams does to a recycled task; a dirty close (a failed transaction) drops the same memory, and the
        // store beneath is then restored from the changelog, which never saw the uncommitted writes
        store.clearCache();

        assertThat(store.value("u1").text).isEqualTo("committed");
        assertThat(store.value("u2")).isNull();
        assertThat(decodings).as("read back from the store").hasValue(1);
    }

    @Test
    void atMostTheGivenNumberOfUnchangedValuesStayDecoded() {
        WriteBehindStore<String, Box, byte[]> small = open(1);
        small.write("u1", new Box("a"));
        small.write("u2", new Box("b"));
        small.flushCache();

        assertThat(small.value("u2").text).isEqualTo("b");
        assertThat(decodings).as("u2, the newest, was kept").hasValue(0);
        assertThat(small.value("u1").text).isEqualTo("a");
        assertThat(decodings).as("u1 was evicted and read back").hasValue(1);

        WriteBehindStore<String, Box, byte[]> none = open(0);
        none.write("u1", new Box("a"));
        none.flushCache();
        none.value("u1");
        none.value("u1");
        assertThat(decodings).as("nothing kept: each read decodes").hasValue(3);
    }

    @Test
    void queriesReadTheCommittedStateThroughTheStoreBeneath() {
        store.write("a", new Box("1"));
        store.write("b", new Box("2"));
        store.flushCache();
        store.write("c", new Box("3"));

        List<String> all = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            it.forEachRemaining(kv -> all.add(kv.key + "=" + text(kv.value)));
        }
        assertThat(all).containsExactly("a=1", "b=2");
        assertThat(store.approximateNumEntries()).isEqualTo(2);
        try (KeyValueIterator<String, byte[]> it = store.range("b", "z")) {
            assertThat(it.next().key).isEqualTo("b");
            assertThat(it.hasNext()).isFalse();
        }
    }

    @Test
    void itIsItsOwnCacheSoStreamsCachingCannotBeAddedOnTop() {
        StoreBuilder<WriteBehindStore<String, Box, byte[]>> builder = WriteBehindStore.builder(
                Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("s"), Serdes.String(), Serdes.ByteArray())
                        .withCachingEnabled(),
                new WriteBehindStore.Codec<>(b -> new byte[0], bytes -> new Box("")),
                1);
        assertThatThrownBy(builder::withCachingEnabled).isInstanceOf(UnsupportedOperationException.class);
        assertThat(builder.withCachingDisabled()).isSameAs(builder);
        assertThat(builder.name()).isEqualTo("s");
        assertThat(builder.loggingEnabled()).isTrue();
    }
}
