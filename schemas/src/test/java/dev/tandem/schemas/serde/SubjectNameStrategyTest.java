package dev.tandem.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.registry.MockSchemaRegistry;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.testing.TestRecords;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SubjectNameStrategyTest {
    private final String scope = "strategy-" + UUID.randomUUID();
    private final SchemaRegistryClient client = MockSchemaRegistry.client(scope);

    @AfterEach
    void drop() {
        MockSchemaRegistry.drop(scope);
    }

    @ParameterizedTest
    @CsvSource({
        "TopicNameStrategy, false, events-value",
        "TopicNameStrategy, true, events-key",
        "io.confluent.kafka.serializers.subject.TopicNameStrategy, false, events-value",
        "RecordNameStrategy, false, dev.tandem.schemas.UserEvent",
        "io.confluent.kafka.serializers.subject.RecordNameStrategy, true, dev.tandem.schemas.UserEvent",
        "TopicRecordNameStrategy, false, events-dev.tandem.schemas.UserEvent",
        "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy, true, events-dev.tandem.schemas.UserEvent",
    })
    void registersUnderTheSubjectOfTheConfiguredStrategy(String strategy, boolean isKey, String expectedSubject) {
        String key = isKey
                ? TandemAvroSerdeConfig.KEY_SUBJECT_NAME_STRATEGY
                : TandemAvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY;
        new TandemAvroSerializer<UserEvent>(client, isKey, Map.of(key, strategy))
                .serialize("events", TestRecords.userEvent());
        assertThat(client.listSubjects()).containsExactly(expectedSubject);
    }

    @Test
    void keyAndValueStrategiesAreIndependent() {
        Map<String, Object> cfg = Map.of(TandemAvroSerdeConfig.KEY_SUBJECT_NAME_STRATEGY, "RecordNameStrategy");
        new TandemAvroSerializer<UserEvent>(client, false, cfg).serialize("events", TestRecords.userEvent());
        assertThat(client.listSubjects()).containsExactly("events-value");
    }

    @Test
    void topicRecordNameLetsOneTopicCarrySeveralTypes() {
        Map<String, Object> cfg = Map.of(TandemAvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY, "TopicRecordNameStrategy");
        TandemAvroSerializer<Object> s = new TandemAvroSerializer<>(client, false, cfg);
        s.serialize("mixed", TestRecords.userEvent());
        s.serialize("mixed", TestRecords.itemMetadata());
        assertThat(client.listSubjects())
                .containsExactly(
                        "mixed-" + ItemMetadata.getClassSchema().getFullName(),
                        "mixed-" + UserEvent.getClassSchema().getFullName());
    }

    @Test
    void unknownStrategyIsAConfigurationError() {
        assertThatThrownBy(() -> SubjectNameStrategy.of("com.example.MyStrategy"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("com.example.MyStrategy");
    }
}
