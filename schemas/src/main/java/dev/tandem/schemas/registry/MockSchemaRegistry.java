package dev.tandem.schemas.registry;

import dev.tandem.schemas.registry.server.InMemorySchemaStore;
import dev.tandem.schemas.registry.server.RegistryCore;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * In-process registries behind {@code mock://<scope>} URLs, one per scope name and shared by
 * every serde configured with it (a producer and a consumer in one test see the same ids).
 * Each is a {@link RegistryCore}, so compatibility rules and error codes are the server's.
 */
public final class MockSchemaRegistry {
    public static final String MOCK_URL_PREFIX = "mock://";

    private static final ConcurrentMap<String, RegistryCore> SCOPES = new ConcurrentHashMap<>();

    private MockSchemaRegistry() {}

    /** The registry of {@code scope}, created empty on first use. */
    public static RegistryCore scope(String scope) {
        return SCOPES.computeIfAbsent(scope, s -> new RegistryCore(new InMemorySchemaStore()));
    }

    /** A client of the registry of {@code scope}. */
    public static SchemaRegistryClient client(String scope) {
        return new InProcessSchemaRegistryClient(scope(scope));
    }

    /** Forgets the registry of {@code scope}; the next use starts empty. */
    public static void drop(String scope) {
        SCOPES.remove(scope);
    }

    /** The scope of a {@code mock://scope} URL. */
    static String scopeOf(String url) {
        String scope = url.substring(MOCK_URL_PREFIX.length());
        int slash = scope.indexOf('/');
        return slash < 0 ? scope : scope.substring(0, slash);
    }
}
