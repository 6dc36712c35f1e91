package dev.tandem.schemas.serde;

import java.util.Locale;
import org.apache.avro.Schema;

/**
 * Which registry subject a topic's keys or values are registered under. The three strategies
 * are Confluent's, accepted by short name or by Confluent's class name so configs carry over.
 */
@FunctionalInterface
public interface SubjectNameStrategy {

    String subjectName(String topic, boolean isKey, Schema schema);

    /** {@code <topic>-key} / {@code <topic>-value}: one schema lineage per topic (Confluent's default). */
    SubjectNameStrategy TOPIC_NAME = (topic, isKey, schema) -> topic + (isKey ? "-key" : "-value");

    /** The record's full name: one lineage per type, shared by every topic carrying it. */
    SubjectNameStrategy RECORD_NAME = (topic, isKey, schema) -> schema.getFullName();

    /** {@code <topic>-<record full name>}: several types per topic, each with its own lineage. */
    SubjectNameStrategy TOPIC_RECORD_NAME = (topic, isKey, schema) -> topic + "-" + schema.getFullName();

    /**
     * Resolves a configured strategy: {@code TopicNameStrategy}, {@code RecordNameStrategy},
     * {@code TopicRecordNameStrategy}, with any package prefix (e.g.
     * {@code io.confluent.kafka.serializers.subject.RecordNameStrategy}), a {@link Class} or an instance.
     */
    static SubjectNameStrategy of(Object configured) {
        if (configured == null) return TOPIC_NAME;
        if (configured instanceof SubjectNameStrategy s) return s;
        String name = configured instanceof Class<?> c
                ? c.getName()
                : configured.toString().trim();
        String simple = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        return switch (simple) {
            case "topicnamestrategy", "topic_name", "topic" -> TOPIC_NAME;
            case "recordnamestrategy", "record_name", "record" -> RECORD_NAME;
            case "topicrecordnamestrategy", "topic_record_name", "topic_record" -> TOPIC_RECORD_NAME;
            default ->
                throw new IllegalArgumentException("Unknown subject name strategy '" + name
                        + "': use TopicNameStrategy, RecordNameStrategy or TopicRecordNameStrategy");
        };
    }
}
