package dev.tandem.schemas.registry;

import java.util.Map;

/** Picks the client for a URL: {@code mock://scope} is in-process, anything else is REST. */
public final class SchemaRegistryClients {
    private SchemaRegistryClients() {}

    public static SchemaRegistryClient forUrl(String url, Map<String, ?> configs) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("Missing required configuration '" + RegistryClientConfig.URL + "'");
        }
        String trimmed = url.trim();
        if (trimmed.startsWith(MockSchemaRegistry.MOCK_URL_PREFIX)) {
            return MockSchemaRegistry.client(MockSchemaRegistry.scopeOf(trimmed));
        }
        return RestSchemaRegistryClient.create(trimmed, configs);
    }

    /** The client for {@code schema.registry.url} in {@code configs}. */
    public static SchemaRegistryClient fromConfigs(Map<String, ?> configs) {
        Object url = configs.get(RegistryClientConfig.URL);
        return forUrl(url == null ? null : url.toString(), configs);
    }
}
