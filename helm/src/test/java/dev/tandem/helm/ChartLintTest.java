package dev.tandem.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import org.junit.jupiter.api.Test;

class ChartLintTest {
    /** helm-java's lint takes no values file: it lints the chart with its defaults (the value sets are rendered). */
    @Test
    void theChartPassesStrictLint() {
        var result = new Helm(Chart.DIR).lint().strict().call();

        assertThat(result.isFailed())
                .as("helm lint --strict: %s", result.getMessages())
                .isFalse();
        assertThat(result.getMessages()).noneMatch(m -> m.startsWith("[ERROR]") || m.startsWith("[WARNING]"));
    }
}
