package dev.tandem.features.interaction;

import dev.tandem.features.sequence.BehaviourSequence;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.SequenceEvent;
import dev.tandem.schemas.UserFeatures;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a user's kept history says about one candidate item, as of a time: per action of interest, how
 * many of the user's events touched this item and this item's category, and how many hours ago the
 * newest of them was; the share of the user's exposures (the first action) that fell in the candidate's
 * category; the hours since the user's newest event of any kind; and how many events the history holds.
 *
 * <p>Pure: the same figures from a live {@link BehaviourSequence} (training replays it just before each
 * exposure) and from the {@link UserFeatures} the streaming job publishes (its {@code events} are the same
 * kept events), so an offline model and an online scorer that use them see the same numbers. Raw values:
 * counts, hours, a share; {@link #NEVER} where no such event exists. Scaling is the consumer's choice.
 *
 * <p>Layout of {@link #width()} floats: for scope ITEM then CATEGORY, for each action in order, count then
 * hours since the newest; then {@link #viewShareIndex()}, {@link #hoursSinceLastEventIndex()},
 * {@link #historyEventsIndex()}. {@link #names()} names every column.
 */
public final class CandidateInteractions {
    /** The hours-since value of an action the user never did (on that item / category, or at all). */
    public static final float NEVER = -1f;

    /** What an event must share with the candidate to count. */
    public enum Scope {
        ITEM,
        CATEGORY
    }

    private final List<Action> actions;
    private final int[] slotByOrdinal;
    private final int a;

    /** @param actions the actions counted, the first being the exposure whose category share is taken (a funnel's stages) */
    public CandidateInteractions(List<Action> actions) {
        this.actions = List.copyOf(Objects.requireNonNull(actions, "actions"));
        if (this.actions.isEmpty()) {
            throw new IllegalArgumentException("actions: at least one (the exposure)");
        }
        a = this.actions.size();
        slotByOrdinal = new int[Action.values().length];
        java.util.Arrays.fill(slotByOrdinal, -1);
        for (int i = 0; i < a; i++) {
            if (slotByOrdinal[this.actions.get(i).ordinal()] >= 0) {
                throw new IllegalArgumentException("actions: " + this.actions.get(i) + " twice in " + this.actions);
            }
            slotByOrdinal[this.actions.get(i).ordinal()] = i;
        }
    }

    public List<Action> actions() {
        return actions;
    }

    public int width() {
        return 4 * a + 3;
    }

    public int countIndex(Scope scope, int action) {
        return (scope.ordinal() * a + Objects.checkIndex(action, a)) * 2;
    }

    public int hoursSinceIndex(Scope scope, int action) {
        return countIndex(scope, action) + 1;
    }

    public int viewShareIndex() {
        return 4 * a;
    }

    public int hoursSinceLastEventIndex() {
        return 4 * a + 1;
    }

    public int historyEventsIndex() {
        return 4 * a + 2;
    }

    /** Column names in layout order, e.g. {@code item_count_CART}, {@code category_hours_since_VIEW}, {@code view_share_in_category}. */
    public List<String> names() {
        List<String> out = new ArrayList<>(width());
        for (Scope s : Scope.values()) {
            String p = s.name().toLowerCase(java.util.Locale.ROOT);
            for (Action x : actions) {
                out.add(p + "_count_" + x.name());
                out.add(p + "_hours_since_" + x.name());
            }
        }
        out.add("view_share_in_category");
        out.add("hours_since_last_event");
        out.add("history_events");
        return out;
    }

    /** Writes the candidate's figures from a live sequence as of {@code asOfMs} into {@code out[offset, offset + width)}. */
    public void compute(BehaviourSequence seq, String itemId, String categoryId, long asOfMs, float[] out, int offset) {
        Tally t = new Tally(itemId, categoryId);
        for (int i = 0; i < seq.size(); i++) {
            t.add(seq.action(i), seq.itemId(i), seq.categoryId(i), seq.eventTimeMs(i));
        }
        t.write(asOfMs, out, offset);
    }

    /** The same figures from the {@code UserFeatures} the streaming job publishes (its kept events). */
    public void compute(UserFeatures features, String itemId, String categoryId, long asOfMs, float[] out, int offset) {
        Tally t = new Tally(itemId, categoryId);
        if (features != null) {
            for (SequenceEvent e : features.getEvents()) {
                t.add(
                        e.getAction(),
                        e.getItemId(),
                        e.getCategoryId(),
                        e.getEventTime().toEpochMilli());
            }
        }
        t.write(asOfMs, out, offset);
    }

    /** One pass over a history, oldest first. */
    private final class Tally {
        private final String item;
        private final String category;
        private final long[] count = new long[2 * a];
        private final long[] newest = new long[2 * a];
        private long views;
        private long viewsInCategory;
        private long events;
        private long latest = Long.MIN_VALUE;

        Tally(String item, String category) {
            this.item = item;
            this.category = category == null || category.isEmpty() ? null : category;
            java.util.Arrays.fill(newest, Long.MIN_VALUE);
        }

        void add(Action action, CharSequence itemId, CharSequence categoryId, long timeMs) {
            events++;
            latest = Math.max(latest, timeMs);
            boolean sameCategory = category != null && category.contentEquals(categoryId);
            int s = action == null ? -1 : slotByOrdinal[action.ordinal()];
            if (s == 0) {
                views++;
                viewsInCategory += sameCategory ? 1 : 0;
            }
            if (s < 0) {
                return;
            }
            if (item != null && item.contentEquals(itemId)) {
                count[s]++;
                newest[s] = Math.max(newest[s], timeMs);
            }
            if (sameCategory) {
                count[a + s]++;
                newest[a + s] = Math.max(newest[a + s], timeMs);
            }
        }

        void write(long asOfMs, float[] out, int offset) {
            for (int j = 0; j < 2 * a; j++) {
                out[offset + 2 * j] = count[j];
                out[offset + 2 * j + 1] = hoursSince(newest[j], asOfMs);
            }
            out[offset + 4 * a] = views == 0 ? 0f : (float) ((double) viewsInCategory / views);
            out[offset + 4 * a + 1] = hoursSince(latest, asOfMs);
            out[offset + 4 * a + 2] = events;
        }
    }

    private static float hoursSince(long timeMs, long asOfMs) {
        return timeMs == Long.MIN_VALUE ? NEVER : (float) (Math.max(0, asOfMs - timeMs) / 3_600_000.0);
    }
}
