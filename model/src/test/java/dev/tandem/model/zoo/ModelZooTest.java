package dev.tandem.model.zoo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.model.data.ItemRateInputs;
import dev.tandem.model.features.FeatureSpec;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.op.Ops;

/** The graph each architecture and sequence encoder builds (no training: the parameters say which layers exist). */
class ModelZooTest {
    private static final FeatureSpec SPEC = FeatureSpec.defaults().withSequenceLength(6);
    private static final List<String> STAGES = List.of("CART", "PURCHASE");

    private static <T> T build(ModelConfig cfg, boolean auxiliary, Function<FunnelGraph, T> check) {
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            return check.apply(ModelZoo.build(tf, SPEC, cfg, STAGES, new Params(tf, 1), auxiliary));
        }
    }

    private static List<String> params(FunnelGraph f) {
        return f.params().all().stream().map(Params.Param::name).toList();
    }

    @Test
    void everyArchitectureAndEncoderBuildsOneOutputPerStageWithItsOwnLayers() {
        for (Architecture a : Architecture.values()) {
            for (SequenceEncoder e : SequenceEncoder.values()) {
                ModelConfig cfg = ModelConfig.defaults().withArchitecture(a.code(), e.code());
                List<String> names = build(cfg, false, f -> {
                    assertThat(f.reach()).as(a + "/" + e).hasSize(STAGES.size());
                    assertThat(f.reach().get(1).op().name()).isEqualTo("p_purchase");
                    assertThat(f.inputs().keySet())
                            .containsExactlyElementsOf(
                                    SPEC.features().stream().map(d -> d.name()).toList());
                    return params(f);
                });
                switch (a) {
                    case SHARED_BOTTOM ->
                        assertThat(names)
                                .contains("bottom/0/w")
                                .noneMatch(n -> n.contains("expert") || n.contains("gate"));
                    case MMOE ->
                        assertThat(names)
                                .contains("expert3/0/w", "gate0/w", "gate1/w")
                                .doesNotContain("expert4/0/w")
                                .noneMatch(n -> n.startsWith("bottom") || n.startsWith("shared_expert"));
                    case PLE ->
                        assertThat(names)
                                .contains("shared_expert3/0/w", "task0_expert0/0/w", "task1_expert0/0/w", "cgc_gate1/w")
                                .noneMatch(n -> n.startsWith("bottom") || n.startsWith("gate"));
                    case LINEAR -> {
                        // the wide part alone, over the dense inputs and the item-rate table: no embeddings at all
                        assertThat(names)
                                .containsExactlyInAnyOrder(
                                        "item_rates/table",
                                        "wide0/w",
                                        "wide0/b",
                                        ModelZoo.INVERSE_TEMPERATURE + 0,
                                        "wide1/w",
                                        "wide1/b",
                                        ModelZoo.INVERSE_TEMPERATURE + 1);
                        continue;
                    }
                }
                switch (e) {
                    case MEAN ->
                        assertThat(names).noneMatch(n -> n.startsWith("attention/") || n.startsWith("transformer/"));
                    case TARGET_ATTENTION ->
                        assertThat(names).contains("attention/e").noneMatch(n -> n.startsWith("transformer/"));
                    case TRANSFORMER ->
                        assertThat(names).contains("attention/e", "transformer/wq", "transformer/position");
                }
                assertThat(names).as("serving graphs have no auxiliary head").noneMatch(n -> n.startsWith("aux/"));
            }
        }
    }

    @Test
    void theAuxiliaryHeadReadsTheBottomOrItsOwnGateAndOnlyInTraining() {
        for (Architecture a : Architecture.values()) {
            ModelConfig cfg =
                    ModelConfig.defaults().withArchitecture(a.code(), "mean").withNextCategoryTask(0.2);
            if (a == Architecture.LINEAR) {
                assertThat(build(cfg, true, FunnelGraph::hasNextCategoryHead))
                        .as("no shared layers to shape")
                        .isFalse();
                continue;
            }
            List<String> names = build(cfg, true, f -> {
                assertThat(f.hasNextCategoryHead()).isTrue();
                return params(f);
            });
            assertThat(names).contains("aux/next_category/tower/0/w", "aux/next_category/logits/w");
            if (a == Architecture.SHARED_BOTTOM) {
                assertThat(names).doesNotContain("aux/next_category/gate/w");
            } else {
                assertThat(names).contains("aux/next_category/gate/w");
            }
            assertThat(build(cfg, false, FunnelGraph::hasNextCategoryHead)).isFalse();
        }
    }

    /** The item rates are a table the model looks its candidate up in (serving) and a training step overrides. */
    @Test
    void theItemRatesAreATableLookupOfTheCandidateFedToTheDeepAndTheWidePart() {
        int vocabulary = SPEC.feature(FeatureSpec.CAND_ITEM).vocabulary();
        build(ModelConfig.defaults(), false, f -> {
            assertThat(f.itemRates()).isNotNull();
            assertThat(f.itemRates().op().type()).isEqualTo("GatherV2");
            Params.Param table = f.params().get(ModelZoo.ITEM_RATES);
            assertThat(table.kind()).as("set from the data, not trained").isEqualTo(Params.Kind.FIXED);
            assertThat(table.shape().asArray())
                    .containsExactly((long) vocabulary, (long) ItemRateInputs.PER_TARGET * STAGES.size());
            return null;
        });
        assertThat(build(ModelConfig.defaults().withItemRates(false), false, FunnelGraph::itemRates))
                .isNull();
    }

    @Test
    void theHashedCrossesAreOneZeroTableOfAWeightPerTaskLookedUpOncePerFieldAndUpdatedRowSparse() {
        ModelConfig on = ModelConfig.defaults().withWideCrosses(true);
        for (ModelConfig cfg : List.of(on, on.linearPart())) {
            build(cfg, false, f -> {
                Params.Param table = f.params().get(ModelZoo.WIDE_CROSSES);
                assertThat(table.kind()).isEqualTo(Params.Kind.EMBEDDING);
                assertThat(table.shape().asArray()).containsExactly(ModelZoo.CROSS_BUCKETS, STAGES.size());
                assertThat(f.params().initialValues().get(ModelZoo.WIDE_CROSSES))
                        .containsOnly(0f);
                assertThat(f.params().lookups().stream()
                                .filter(l -> l.table().name().equals(ModelZoo.WIDE_CROSSES)))
                        .as("one lookup per field")
                        .hasSize(12);
                return null;
            });
        }
        assertThat(build(ModelConfig.defaults(), false, ModelZooTest::params)).doesNotContain(ModelZoo.WIDE_CROSSES);
        assertThat(build(on.withWide(false), false, ModelZooTest::params))
                .as("part of the wide part")
                .doesNotContain(ModelZoo.WIDE_CROSSES);
    }

    @Test
    void dtrnGivesEachTaskItsOwnQueryOverEachActionsSubSequenceAndAutoIntAttendsOverTheFields() {
        List<String> dtrn = build(ModelConfig.defaults().withTaskSequences(true), false, ModelZooTest::params);
        assertThat(dtrn).contains("dtrn/task0/query", "dtrn/task1/query", "dtrn/task0/score", "dtrn/task1/e");
        int actions = SPEC.feature(FeatureSpec.SEQ_ACTION).vocabulary() - 1;
        int hidden = ModelConfig.defaults().hidden().get(0);
        int d = ModelConfig.defaults().embeddingDim();
        java.util.Map<String, float[]> init = build(
                ModelConfig.defaults().withTaskSequences(true),
                false,
                f -> f.params().initialValues());
        assertThat(init.get("tower0/0/w"))
                .as("the tower reads the shared layer and one pool per action")
                .hasSize((hidden + actions * d)
                        * ModelConfig.defaults().towerHidden().get(0));

        List<String> autoInt = build(ModelConfig.defaults().withFieldAttention(true), false, ModelZooTest::params);
        assertThat(autoInt).contains("fields/wq", "fields/wk", "fields/wv", "fields/res", "fields/user_dense/w");
        assertThat(build(ModelConfig.defaults(), false, ModelZooTest::params))
                .noneMatch(n -> n.startsWith("dtrn/") || n.startsWith("fields/"));
    }

    @Test
    void taskGatingAndTowersAreBuiltPerStage() {
        ModelConfig cfg =
                ModelConfig.fromJson("{\"architecture\": \"mmoe\", \"taskSeGating\": true, \"towerHidden\": [16, 8]}");
        List<String> names = build(cfg, false, ModelZooTest::params);
        assertThat(names).contains("se0/down/w", "se1/up/w", "tower0/1/w", "tower1/0/w", "logit0/w", "logit1/w");
        List<String> noTowers = build(ModelConfig.fromJson("{\"towerHidden\": []}"), false, ModelZooTest::params);
        assertThat(noTowers).contains("logit0/w").noneMatch(n -> n.startsWith("tower") || n.startsWith("se"));
    }

    @Test
    void theWidePartIsALinearLogitPerStageOverTheDenseInputsStartingAtZero() {
        int width = SPEC.denseWidth() + SPEC.historyWidth() + ItemRateInputs.PER_TARGET * STAGES.size();
        assertThat(SPEC.historyWidth()).isPositive();
        java.util.Map<String, float[]> init = build(
                ModelConfig.defaults().withWide(true), false, f -> f.params().initialValues());
        for (String w : List.of("wide0/w", "wide1/w")) {
            assertThat(init.get(w)).as(w).hasSize(width).containsOnly(0f);
        }
        assertThat(init.get("wide0/b")).containsExactly(0f);
        assertThat(build(ModelConfig.defaults().withWide(false), false, ModelZooTest::params))
                .noneMatch(n -> n.startsWith("wide"));
        float[] withoutRates = build(
                ModelConfig.defaults().withItemRates(false),
                false,
                f -> f.params().initialValues().get("wide0/w"));
        assertThat(withoutRates).hasSize(SPEC.denseWidth() + SPEC.historyWidth());
        assertThat(ModelConfig.fromJson("{\"wide\": true}").wide()).isTrue();
        assertThat(ModelConfig.defaults().wide()).isEqualTo(ModelConfig.DEFAULT_WIDE);
        assertThat(ModelConfig.defaults().wideLearningRateScale()).isEqualTo(10.0);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ModelConfig.fromJson("{\"wideLearningRateScale\": 0}"))
                .hasMessageContaining("wideLearningRateScale");
    }

    /** A format-1 spec (a model from before cand_history) still builds, without that input. */
    @Test
    void aFormatOneSpecBuildsWithoutCandidateHistory() {
        FeatureSpec v1 = SPEC.withFormatVersion(1);
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            FunnelGraph f =
                    ModelZoo.build(tf, v1, ModelConfig.defaults().withWide(true), STAGES, new Params(tf, 1), false);
            assertThat(f.inputs())
                    .doesNotContainKey(FeatureSpec.CAND_HISTORY)
                    .hasSize(v1.features().size());
            assertThat(f.params().initialValues().get("wide0/w"))
                    .hasSize(v1.denseWidth() + ItemRateInputs.PER_TARGET * STAGES.size());
        }
    }
}
