package dev.tandem.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.testdata.TinyModels;
import dev.tandem.model.zoo.ModelConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelSelectionTest {
    private static final ExampleSet S = TinyModels.examples();

    @Test
    void theGridIsTheLinearPartTheConfiguredModelThenOneSwitchAtATime() {
        ModelConfig base = ModelConfig.defaults();
        List<ModelSelection.Candidate> grid = ModelSelection.grid(base);
        assertThat(grid.get(0).label()).isEqualTo(ModelSelection.LINEAR);
        assertThat(grid.get(0).config()).isEqualTo(base.linearPart());
        assertThat(grid.get(1).config()).isEqualTo(base);
        assertThat(grid.stream().map(ModelSelection.Candidate::label)).doesNotHaveDuplicates();
        assertThat(grid.stream().map(ModelSelection.Candidate::config)).doesNotHaveDuplicates();
        assertThat(grid.stream().map(ModelSelection.Candidate::label))
                .contains(
                        "item rates off",
                        "wide part off",
                        "task SE gating on",
                        "ID-free item tower",
                        "architecture ple",
                        "sequence encoder transformer",
                        "next-category task on");
        assertThat(ModelSelection.withLinearPart(base.linearPart())).hasSize(1);
    }

    @Test
    void theKeptModelHasTheBestSelectionAucAndItsCardListsEveryCandidate(@TempDir Path dir) throws Exception {
        ModelConfig tiny = TinyModels.config(3);
        List<String> log = new ArrayList<>();
        try (TrainedModel m = ModelSelection.train(S, null, ModelSelection.withLinearPart(tiny), null, log::add)) {
            ModelSelection.Outcome o = m.selection();
            assertThat(o.candidates()).hasSize(2);
            ModelSelection.Result linear = o.candidates().get(0);
            ModelSelection.Result configured = o.candidates().get(1);
            // strictly better, or the linear part (earlier) keeps a tie
            String expected = configured.meanSelectionAuc() > linear.meanSelectionAuc()
                    ? ModelSelection.CONFIGURED
                    : ModelSelection.LINEAR;
            assertThat(o.kept()).isEqualTo(expected);
            assertThat(m.config().architecture()).isEqualTo(expected.equals(ModelSelection.LINEAR) ? "linear" : "mmoe");
            assertThat(m.selectionAuc())
                    .containsExactly(
                            expected.equals(ModelSelection.LINEAR) ? linear.selectionAuc() : configured.selectionAuc());
            assertThat(log).anyMatch(l -> l.startsWith("kept: " + expected));

            @SuppressWarnings("unchecked")
            Map<String, Object> card = (Map<String, Object>) m.card("v1").get("selection");
            assertThat(card).containsEntry("kept", expected).containsKey("criterion");
            assertThat((List<?>) card.get("candidates")).hasSize(2);
            Path exported = m.export(dir, "v1");
            String md = java.nio.file.Files.readString(exported.resolve(TrainedModel.CARD_MARKDOWN));
            assertThat(md).contains("## Model selection", "| linear part | linear |", "| configured | mmoe |");
            if (expected.equals(ModelSelection.LINEAR)) {
                assertThat(md).contains("Architecture `linear`", "did not beat it on the selection slice");
            } else {
                assertThat(md).contains("Architecture `mmoe`");
            }
        }
    }

    @Test
    void aSpentBudgetStartsNoFurtherCandidateAndTheCardSaysWhich() {
        List<ModelSelection.Candidate> grid = ModelSelection.grid(TinyModels.config(3));
        try (TrainedModel m = ModelSelection.train(S, null, grid, Duration.ofNanos(1), null)) {
            ModelSelection.Outcome o = m.selection();
            assertThat(o.candidates()).hasSize(1);
            assertThat(o.kept()).isEqualTo(ModelSelection.LINEAR);
            assertThat(o.notTried()).hasSize(grid.size() - 1);
            assertThat(o.toJson(m.stages())).containsKey("not_tried_budget_spent");
        }
    }
}
