package dev.tandem.connect.serving;

import java.util.Set;

/**
 * Opens a {@link RecommendationStore} from a URL, for the URL schemes it names. Implementations are found with
 * {@link java.util.ServiceLoader}: list the class in
 * {@code META-INF/services/dev.tandem.connect.serving.RecommendationStoreProvider} and give it a public no-argument
 * constructor. {@link RecommendationStores#open(String)} picks the provider by the URL's scheme, so a reader (the
 * recommendations API) names a store by URL and never by class, and a store whose classes are not in the build is a
 * one-line "unknown scheme" error rather than a {@code ClassNotFoundException}.
 *
 * <p>A scheme is what {@link RecommendationStores#scheme(String)} takes from a URL, lower case: the text before the
 * first ':' ({@code redis} for {@code redis://host:6379}, {@code mem} for {@code mem:demo}), and for JDBC URLs the
 * sub-protocol with it ({@code jdbc:postgresql}, {@code jdbc:sqlite}). A provider that names plain {@code jdbc} takes
 * every JDBC URL no more specific provider takes.
 */
public interface RecommendationStoreProvider {
    /** The schemes this provider opens, lower case, e.g. {@code redis} and {@code rediss}. */
    Set<String> schemes();

    /**
     * A store for {@code url}, whose scheme is one of {@link #schemes()}. Should not wait for the store to answer:
     * the caller asks {@link RecommendationStore#ready()} and decides how long to wait, so an API can start while its
     * store is still coming up.
     *
     * @throws IllegalArgumentException when the URL is malformed for this store (a usage error, said in one line)
     * @throws Exception when the store cannot be opened at all (a driver missing, a file that cannot be created)
     */
    RecommendationStore open(String url) throws Exception;
}
