package dev.tandem.model.zoo;

import java.util.List;

/**
 * {@link ModelConfig}'s components as mutable fields: a {@code withX} changes some and builds a new config, so the
 * components are listed once here, not in every {@code withX}.
 */
final class ModelConfigCopy {
    String name;
    String architecture;
    String sequenceEncoder;
    Integer embeddingDim;
    Boolean useItemId;
    List<Integer> hidden;
    Integer experts;
    Integer taskExperts;
    List<Integer> towerHidden;
    Integer attentionHidden;
    Boolean taskSeGating;
    Boolean fieldAttention;
    Boolean taskSequences;
    Boolean wide;
    Double wideLearningRateScale;
    Boolean wideCrosses;
    Boolean itemRates;
    Double dropout;
    Double l2;
    Double learningRate;
    Integer batchSize;
    Integer epochs;
    Integer patience;
    Long seed;
    ModelConfig.Auxiliary auxiliary;

    ModelConfigCopy(ModelConfig m) {
        name = m.name();
        architecture = m.architecture();
        sequenceEncoder = m.sequenceEncoder();
        embeddingDim = m.embeddingDim();
        useItemId = m.useItemId();
        hidden = m.hidden();
        experts = m.experts();
        taskExperts = m.taskExperts();
        towerHidden = m.towerHidden();
        attentionHidden = m.attentionHidden();
        taskSeGating = m.taskSeGating();
        fieldAttention = m.fieldAttention();
        taskSequences = m.taskSequences();
        wide = m.wide();
        wideLearningRateScale = m.wideLearningRateScale();
        wideCrosses = m.wideCrosses();
        itemRates = m.itemRates();
        dropout = m.dropout();
        l2 = m.l2();
        learningRate = m.learningRate();
        batchSize = m.batchSize();
        epochs = m.epochs();
        patience = m.patience();
        seed = m.seed();
        auxiliary = m.auxiliary();
    }

    ModelConfig build() {
        return new ModelConfig(
                name,
                architecture,
                sequenceEncoder,
                embeddingDim,
                useItemId,
                hidden,
                experts,
                taskExperts,
                towerHidden,
                attentionHidden,
                taskSeGating,
                fieldAttention,
                taskSequences,
                wide,
                wideLearningRateScale,
                wideCrosses,
                itemRates,
                dropout,
                l2,
                learningRate,
                batchSize,
                epochs,
                patience,
                seed,
                auxiliary);
    }
}
