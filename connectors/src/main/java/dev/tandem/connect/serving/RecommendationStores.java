package dev.tandem.connect.serving;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Opens a {@link RecommendationStore} by URL through the {@link RecommendationStoreProvider}s on the class path:
 * {@code mem:NAME} (this module's {@link InMemoryRecommendationStore}), and whatever other stores the build has
 * registered (Redis, JDBC).
 */
public final class RecommendationStores {
    private static final Pattern PASSWORD_PARAM = Pattern.compile("(?i)(password=)[^&;]*");
    private static final Pattern USER_INFO = Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]*://)[^@/]*@");

    private RecommendationStores() {}

    /**
     * A store for {@code url}, not necessarily answering yet (see {@link RecommendationStore#ready()}).
     *
     * @throws IllegalArgumentException when no provider takes the URL's scheme (the message names the schemes there
     *     are) or the provider finds the URL malformed
     * @throws IllegalStateException when the provider cannot open the store
     */
    public static RecommendationStore open(String url) {
        if (url == null || url.isBlank()) throw new IllegalArgumentException("store URL is empty");
        String scheme = scheme(url);
        Found found = providers();
        RecommendationStoreProvider provider = pick(found.providers, scheme);
        if (provider == null) {
            String broken = found.broken.isEmpty() ? "" : "; providers that failed to load: " + found.broken;
            throw new IllegalArgumentException("no recommendation store for '" + scheme + ":' URLs (known: "
                    + String.join(", ", schemes(found.providers)) + ")" + broken);
        }
        try {
            return provider.open(url);
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot open store " + redact(url) + ": " + e.getMessage(), e);
        }
    }

    /** The schemes the providers on the class path take, sorted. */
    public static List<String> knownSchemes() {
        return schemes(providers().providers);
    }

    /**
     * {@code redis} for {@code redis://h:6379}, {@code jdbc:postgresql} for {@code jdbc:postgresql://h/db},
     * {@code mem} for {@code mem:x}; lower case.
     *
     * @throws IllegalArgumentException when the URL has no scheme
     */
    public static String scheme(String url) {
        int colon = url.indexOf(':');
        if (colon <= 0) throw new IllegalArgumentException("store URL has no scheme: '" + url + "'");
        String first = url.substring(0, colon).toLowerCase(Locale.ROOT);
        if (!first.equals("jdbc")) return first;
        int next = url.indexOf(':', colon + 1);
        if (next <= colon + 1) throw new IllegalArgumentException("JDBC URL has no sub-protocol: '" + url + "'");
        return url.substring(0, next).toLowerCase(Locale.ROOT);
    }

    /** {@code url} with its password (user info or a {@code password=} parameter) masked, for logs and errors. */
    public static String redact(String url) {
        if (url == null) return null;
        String s = USER_INFO.matcher(url).replaceFirst("$1****@");
        return PASSWORD_PARAM.matcher(s).replaceAll("$1****");
    }

    private static RecommendationStoreProvider pick(List<RecommendationStoreProvider> providers, String scheme) {
        // the most specific first: jdbc:postgresql, then a provider of every jdbc URL
        for (String candidate : scheme.startsWith("jdbc:") ? List.of(scheme, "jdbc") : List.of(scheme)) {
            for (RecommendationStoreProvider p : providers) {
                if (p.schemes().contains(candidate)) return p;
            }
        }
        return null;
    }

    private static List<String> schemes(List<RecommendationStoreProvider> providers) {
        TreeSet<String> all = new TreeSet<>();
        providers.forEach(p -> all.addAll(p.schemes()));
        return List.copyOf(all);
    }

    private record Found(List<RecommendationStoreProvider> providers, List<String> broken) {}

    /** Every provider that loads; one whose class fails to load is reported, not fatal for the others. */
    private static Found providers() {
        List<RecommendationStoreProvider> providers = new ArrayList<>();
        List<String> broken = new ArrayList<>();
        Iterator<RecommendationStoreProvider> it = ServiceLoader.load(
                        RecommendationStoreProvider.class, RecommendationStores.class.getClassLoader())
                .iterator();
        while (true) {
            try {
                if (!it.hasNext()) break;
                providers.add(it.next());
            } catch (ServiceConfigurationError e) {
                broken.add(e.getMessage());
            }
        }
        return new Found(providers, broken);
    }
}
