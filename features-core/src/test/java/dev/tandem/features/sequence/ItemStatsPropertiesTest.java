package dev.tandem.features.sequence;

import static dev.tandem.features.sequence.Gen.SMALL;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class ItemStatsPropertiesTest {

    @Provide
    Arbitrary<List<Gen.Spec>> specs() {
        return Gen.specs(Gen.FEW_CATEGORIES, 400).list().ofMaxSize(60);
    }

    private static ItemStats record(List<Gen.Spec> specs) {
        ItemStats stats = new ItemStats(SMALL);
        specs.forEach(s -> stats.record(s.action(), s.time()));
        return stats;
    }

    @Property
    void anyArrivalOrderGivesTheSameStatsAndBytes(@ForAll("specs") List<Gen.Spec> specs, @ForAll Random random) {
        List<Gen.Spec> shuffled = new ArrayList<>(specs);
        Collections.shuffle(shuffled, random);
        ItemStats a = record(specs);
        ItemStats b = record(shuffled);
        assertThat(b).isEqualTo(a);
        assertThat(b.encode()).isEqualTo(a.encode());
    }

    @Property
    void encodingRoundTripsExactly(@ForAll("specs") List<Gen.Spec> specs, @ForAll long asOfOffset) {
        ItemStats stats = record(specs);
        byte[] bytes = stats.encode();
        ItemStats decoded = ItemStats.decode(bytes, SMALL);
        assertThat(decoded).isEqualTo(stats);
        assertThat(decoded.encode()).isEqualTo(bytes);
        long asOf = 1_700_000_000_000L + Math.floorMod(asOfOffset, 400_000L);
        assertThat(decoded.asOf(asOf)).isEqualTo(stats.asOf(asOf));
    }

    @Property
    void countsMatchAReferenceAtOrAfterTheLatestEvent(@ForAll("specs") List<Gen.Spec> specs, @ForAll long later) {
        ItemStats stats = record(specs);
        long latest = specs.stream().mapToLong(Gen.Spec::time).max().orElse(0);
        long asOf = latest + Math.floorMod(later, 100_000L);
        for (int w = 0; w < SMALL.windows().size(); w++) {
            SequencePolicy.CounterWindow win = SMALL.windows().get(w);
            long q = Math.floorDiv(asOf, win.bucketMs());
            long views = specs.stream()
                    .filter(s -> s.action() == dev.tandem.schemas.Action.VIEW)
                    .filter(s -> Math.floorDiv(s.time(), win.bucketMs()) > q - win.buckets())
                    .count();
            long purchases = specs.stream()
                    .filter(s -> s.action() == dev.tandem.schemas.Action.PURCHASE)
                    .filter(s -> Math.floorDiv(s.time(), win.bucketMs()) > q - win.buckets())
                    .count();
            ItemStats.WindowStats ws = stats.window(w, asOf);
            assertThat(ws.views()).isEqualTo(views);
            assertThat(ws.purchases()).isEqualTo(purchases);
        }
    }
}
