package dev.tandem.schemas.http;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;
import java.util.Set;

/**
 * Lets a request through only with {@code Authorization: Bearer <token>}; anything else gets 401 with
 * {@code WWW-Authenticate: Bearer} and a one-line JSON error. Paths in {@code openPaths} pass without a token.
 */
public final class BearerTokenFilter extends Filter {
    private static final String PREFIX = "Bearer ";

    private final byte[] expectedDigest;
    private final Set<String> openPaths;

    public BearerTokenFilter(String token, Set<String> openPaths) {
        if (token == null || token.isBlank()) throw new IllegalArgumentException("empty bearer token");
        this.expectedDigest = sha256(token);
        this.openPaths = Set.copyOf(Objects.requireNonNull(openPaths, "openPaths"));
    }

    @Override
    public void doFilter(HttpExchange ex, Chain chain) throws IOException {
        if (openPaths.contains(ex.getRequestURI().getRawPath()) || authorized(ex)) {
            chain.doFilter(ex);
            return;
        }
        boolean given = ex.getRequestHeaders().containsKey("Authorization");
        byte[] body = (given ? "{\"error\":\"invalid bearer token\"}\n" : "{\"error\":\"bearer token required\"}\n")
                .getBytes(StandardCharsets.UTF_8);
        try (ex) {
            ex.getResponseHeaders()
                    .set(
                            "WWW-Authenticate",
                            given ? "Bearer realm=\"tandem\", error=\"invalid_token\"" : "Bearer realm=\"tandem\"");
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(401, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private boolean authorized(HttpExchange ex) {
        String h = ex.getRequestHeaders().getFirst("Authorization");
        if (h == null || !h.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) return false;
        // Digests have one length whatever the guess, so the comparison's time tells nothing about the token.
        return MessageDigest.isEqual(
                expectedDigest, sha256(h.substring(PREFIX.length()).strip()));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    @Override
    public String description() {
        return "bearer token";
    }
}
