package dev.tandem.inference.job;

import dev.tandem.inference.core.ModelCommand;
import dev.tandem.schemas.ItemMetadata;

/**
 * The broadcast input of the join: either catalog metadata (kept in broadcast state) or a model
 * command (forwarded in stream order to the chained batcher, which keeps the model lifecycle's own
 * broadcast state). A Flink POJO.
 */
public final class BroadcastInput {
    public ItemMetadata item;
    public ModelCommand control;

    public BroadcastInput() {}

    public static BroadcastInput of(ItemMetadata item) {
        BroadcastInput b = new BroadcastInput();
        b.item = item;
        return b;
    }

    public static BroadcastInput of(ModelCommand control) {
        BroadcastInput b = new BroadcastInput();
        b.control = control;
        return b;
    }
}
