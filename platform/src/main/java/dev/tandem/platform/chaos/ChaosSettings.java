package dev.tandem.platform.chaos;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One chaos run: how many kills, of which processes, how far apart (seeded), over what load.
 *
 * @param rounds            kills, one process each
 * @param seed              drives the generated world, the order of the victims and the moments of the kills
 * @param users             generated users
 * @param items             generated items
 * @param eventsPerSecond   the steady event rate
 * @param requestsPerSecond the steady scoring-request rate
 * @param minGap            shortest time between one process's recovery and the next kill
 * @param maxGap            longest
 * @param victims           the processes that may be killed, names of {@link Component}
 * @param invalidEvery      one invalid event (an unknown action) after every this many events
 * @param badRequestEvery   one undecodable request after every this many requests
 * @param dataDir           broker log, app state, checkpoints, the serving store, the children's logs
 * @param modelsDir         where the scoring model is trained once and reused (as by the demo)
 * @param secure            TLS, SCRAM and ACLs on the broker, one least-privilege principal per process
 */
public record ChaosSettings(
        int rounds,
        long seed,
        int users,
        int items,
        int eventsPerSecond,
        int requestsPerSecond,
        Duration minGap,
        Duration maxGap,
        List<Component> victims,
        int invalidEvery,
        int badRequestEvery,
        Path dataDir,
        Path modelsDir,
        boolean secure) {

    /** The processes of the local pipeline, each a JVM of its own. */
    public enum Component {
        BROKER,
        FEATURES,
        SCORING,
        CONNECT,
        MONITORING;

        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public ChaosSettings {
        if (rounds < 0) throw new IllegalArgumentException("rounds must be >= 0, was " + rounds);
        if (users < 1 || items < 1) throw new IllegalArgumentException("users and items must be >= 1");
        if (eventsPerSecond < 1 || requestsPerSecond < 1)
            throw new IllegalArgumentException("rates must be >= 1 per second");
        if (minGap.isNegative() || maxGap.compareTo(minGap) < 0)
            throw new IllegalArgumentException("need 0 <= min gap <= max gap, was " + minGap + " and " + maxGap);
        if (victims.isEmpty()) throw new IllegalArgumentException("at least one process to kill");
        if (invalidEvery < 2 || badRequestEvery < 2)
            throw new IllegalArgumentException("bad records need at least one good one between them");
        victims = List.copyOf(victims);
    }
}
