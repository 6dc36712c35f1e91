package dev.tandem.testkit;

import dev.tandem.schemas.topics.TandemTopics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Least-privilege ACLs, one principal per component, over the flows in ARCHITECTURE.md: each component may read
 * its inputs, write its outputs, and use the group, transactional ids and internal topics under its own id. Nothing
 * else: a component that reaches for another's topic is refused by the broker.
 */
public final class KafkaAcls {
    /**
     * A component's rights: {@code id} prefixes its groups and transactional ids; {@code ownedPrefixes} the topics
     * it creates and keeps itself (Kafka Streams' changelogs, Connect's internal topics), with every right on them;
     * {@code extraGroupPrefixes} further groups (a Connect sink task's {@code connect-<name>}).
     */
    public record Grant(
            String principal,
            String id,
            List<String> reads,
            List<String> writes,
            List<String> ownedPrefixes,
            List<String> extraGroupPrefixes) {
        public Grant {
            reads = List.copyOf(reads);
            writes = List.copyOf(writes);
            ownedPrefixes = List.copyOf(ownedPrefixes);
            extraGroupPrefixes = List.copyOf(extraGroupPrefixes);
        }
    }

    private KafkaAcls() {}

    /** The principals of the platform's processes, by what runs under them. */
    public static final String FEATURES = "features";

    public static final String SCORING = "scoring";
    public static final String CONNECT = "connect";
    public static final String MONITORING = "monitoring";
    public static final String REGISTRY = "registry";
    /** The CLI's producers and readers (`tandem replay`, `generate`, load generators). */
    public static final String TOOLS = "tools";

    public static final List<String> PLATFORM_PRINCIPALS =
            List.of(FEATURES, SCORING, CONNECT, MONITORING, REGISTRY, TOOLS);

    /**
     * Every process's grant under the platform's default ids (application ids {@code tandem-features} and
     * {@code tandem-monitoring}, the scoring job's group and transactional-id prefix {@code tandem-scoring}, the
     * Connect worker's group {@code tandem-connect} with its {@code connect-…} topics): what a secured dev cluster or
     * chaos run starts with.
     */
    public static List<Grant> platform() {
        return List.of(
                features(FEATURES, "tandem-features"),
                scoring(SCORING, "tandem-scoring"),
                monitoring(MONITORING, "tandem-monitoring"),
                connect(CONNECT, "tandem-connect", "connect-", "dead-letters-connect"),
                tools(TOOLS, "tandem-cli"),
                registry(REGISTRY));
    }

    /** The Kafka Streams features app: events and items in; features and dead letters out; its own changelogs. */
    public static Grant features(String principal, String applicationId) {
        return new Grant(
                principal,
                applicationId,
                List.of(TandemTopics.EVENTS, TandemTopics.ITEMS),
                List.of(TandemTopics.USER_FEATURES, TandemTopics.DEAD_LETTERS, "item-features"),
                List.of(applicationId),
                List.of());
    }

    /** The Flink scoring job: requests, features, catalog and model commands in; predictions and dead letters out. */
    public static Grant scoring(String principal, String groupAndTransactionalIdPrefix) {
        return new Grant(
                principal,
                groupAndTransactionalIdPrefix,
                List.of(
                        TandemTopics.SCORING_REQUESTS,
                        TandemTopics.USER_FEATURES,
                        TandemTopics.ITEMS,
                        TandemTopics.MODEL_CONTROL),
                List.of(TandemTopics.PREDICTIONS, TandemTopics.PREDICTIONS_SHADOW, TandemTopics.DEAD_LETTERS),
                List.of(),
                List.of());
    }

    /**
     * The monitoring app (Kafka Streams): predictions and events in; outcomes and metrics out. It may read the shadow
     * predictions too: an app with {@code topic.predictions=predictions-shadow} grades a version before it serves.
     */
    public static Grant monitoring(String principal, String applicationId) {
        return new Grant(
                principal,
                applicationId,
                List.of(TandemTopics.PREDICTIONS, TandemTopics.PREDICTIONS_SHADOW, TandemTopics.EVENTS),
                List.of(TandemTopics.PREDICTION_OUTCOMES, TandemTopics.MODEL_METRICS, TandemTopics.DEAD_LETTERS),
                List.of(applicationId),
                List.of());
    }

    /** The schema registry: its log topic only. */
    public static Grant registry(String principal) {
        return new Grant(
                principal,
                TandemTopics.SCHEMAS,
                List.of(TandemTopics.SCHEMAS),
                List.of(TandemTopics.SCHEMAS),
                List.of(),
                List.of());
    }

    /**
     * The CLI's producers and readers: the platform's inputs out, its outputs in, groups under {@code id}. It may read
     * {@code events} too: the tools that write it show what they wrote (the demo's live view).
     */
    public static Grant tools(String principal, String groupPrefix) {
        return new Grant(
                principal,
                groupPrefix,
                List.of(
                        TandemTopics.EVENTS,
                        TandemTopics.USER_FEATURES,
                        TandemTopics.PREDICTIONS,
                        TandemTopics.PREDICTION_OUTCOMES,
                        TandemTopics.MODEL_METRICS,
                        TandemTopics.DEAD_LETTERS),
                List.of(
                        TandemTopics.EVENTS,
                        TandemTopics.ITEMS,
                        TandemTopics.SCORING_REQUESTS,
                        TandemTopics.MODEL_CONTROL),
                List.of(),
                List.of());
    }

    /**
     * A Kafka Connect worker running the serving sinks: its internal topics (named {@code internalTopicPrefix…}) and
     * group, the sink tasks' {@code connect-…} groups, predictions and the catalog in, Connect's dead-letter queue out.
     */
    public static Grant connect(String principal, String groupId, String internalTopicPrefix, String deadLetterTopic) {
        return new Grant(
                principal,
                groupId,
                List.of(TandemTopics.PREDICTIONS, TandemTopics.ITEMS),
                List.of(deadLetterTopic),
                List.of(internalTopicPrefix),
                List.of("connect-"));
    }

    /** The bindings of one grant. */
    public static List<AclBinding> bindings(Grant g) {
        String user = "User:" + g.principal();
        List<AclBinding> out = new ArrayList<>();
        for (String t : g.reads()) {
            out.add(allow(user, ResourceType.TOPIC, t, PatternType.LITERAL, AclOperation.READ));
            out.add(allow(user, ResourceType.TOPIC, t, PatternType.LITERAL, AclOperation.DESCRIBE));
        }
        for (String t : g.writes()) {
            out.add(allow(user, ResourceType.TOPIC, t, PatternType.LITERAL, AclOperation.WRITE));
            out.add(allow(user, ResourceType.TOPIC, t, PatternType.LITERAL, AclOperation.DESCRIBE));
        }
        if (g.reads().contains(TandemTopics.SCHEMAS))
            out.add(allow(user, ResourceType.TOPIC, TandemTopics.SCHEMAS, PatternType.LITERAL, AclOperation.CREATE));
        List<String> groups = new ArrayList<>(List.of(g.id()));
        groups.addAll(g.extraGroupPrefixes());
        for (String group : groups) {
            out.add(allow(user, ResourceType.GROUP, group, PatternType.PREFIXED, AclOperation.READ));
            out.add(allow(user, ResourceType.GROUP, group, PatternType.PREFIXED, AclOperation.DESCRIBE));
        }
        out.add(allow(user, ResourceType.TRANSACTIONAL_ID, g.id(), PatternType.PREFIXED, AclOperation.WRITE));
        out.add(allow(user, ResourceType.TRANSACTIONAL_ID, g.id(), PatternType.PREFIXED, AclOperation.DESCRIBE));
        // Kafka Streams names its changelog and repartition topics after the application id, Connect its config,
        // offset and status topics after the worker, and each creates its own.
        for (String prefix : g.ownedPrefixes())
            out.add(allow(user, ResourceType.TOPIC, prefix, PatternType.PREFIXED, AclOperation.ALL));
        return out;
    }

    /** Creates the grants' bindings through {@code adminProperties} (a super user's client settings). */
    public static void apply(String bootstrapServers, Map<String, String> adminProperties, List<Grant> grants) {
        Map<String, Object> config = new java.util.HashMap<>(adminProperties);
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        List<AclBinding> all = new ArrayList<>();
        for (Grant g : grants) all.addAll(bindings(g));
        try (Admin admin = Admin.create(config)) {
            admin.createAcls(all).all().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "creating ACLs failed: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating ACLs", e);
        }
    }

    private static AclBinding allow(String user, ResourceType type, String name, PatternType pattern, AclOperation op) {
        return new AclBinding(
                new ResourcePattern(type, name, pattern),
                new AccessControlEntry(user, "*", op, AclPermissionType.ALLOW));
    }
}
