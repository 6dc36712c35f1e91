package dev.tandem.model.data;

import java.util.List;

/**
 * What the example builder saw and did, for the model card. Per-stage lists follow
 * {@link FunnelConfig#targets()}.
 *
 * @param events                 events read
 * @param invalidEvents          events refused by the validator (never reach the sequence)
 * @param duplicateEvents        events whose id was already seen for that user
 * @param users                  distinct users
 * @param exposures              exposure events made into examples, purged ones included
 * @param trainExamples          training examples kept (fit + selection): the first {@code trainFraction} of
 *                               exposures in time order, less the purged ones
 * @param validationExamples     the rest
 * @param censoredExposures      kept exposures whose horizon runs past the end of the data
 * @param censoredNegatives      per stage: censored exposures without a positive yet, excluded from that stage
 * @param trainPositives         per stage: positives among the training examples (fit + selection)
 * @param validationPositives    per stage: positives among the validation examples (evaluated ones)
 * @param validationEvaluated    per stage: validation examples evaluated (not censored for that stage)
 * @param unexposedConversions   per stage: events of that stage with no exposure of the same user and item
 *                               within the horizon before them
 * @param dataStartMs            earliest event time
 * @param dataEndMs              latest event time
 * @param splitTimeMs            exposure time of the first validation example
 * @param purgedExposures        training-period exposures dropped because their horizon reaches {@code splitTimeMs}
 * @param fitExamples            training examples models are fit on
 * @param selectionExamples      the last training examples, where fits are compared (best epoch, regularization)
 * @param selectionStartMs       exposure time of the first selection example
 * @param selectionPositives     per stage: positives among the selection examples
 */
public record DataStats(
        long events,
        long invalidEvents,
        long duplicateEvents,
        long users,
        long exposures,
        long trainExamples,
        long validationExamples,
        long censoredExposures,
        List<Long> censoredNegatives,
        List<Long> trainPositives,
        List<Long> validationPositives,
        List<Long> validationEvaluated,
        List<Long> unexposedConversions,
        long dataStartMs,
        long dataEndMs,
        long splitTimeMs,
        long purgedExposures,
        long fitExamples,
        long selectionExamples,
        long selectionStartMs,
        List<Long> selectionPositives) {}
