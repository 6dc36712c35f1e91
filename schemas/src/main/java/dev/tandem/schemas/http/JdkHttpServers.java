package dev.tandem.schemas.http;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Set;
import javax.net.ssl.SSLContext;

/** What every JDK {@code com.sun.net.httpserver} server of the platform needs before it starts. */
public final class JdkHttpServers {
    /** The JDK server's switch for TCP_NODELAY on accepted connections. */
    public static final String NODELAY_PROPERTY = "sun.net.httpserver.nodelay";

    private JdkHttpServers() {}

    /**
     * Turns on TCP_NODELAY for the JDK HTTP server in this JVM, unless set otherwise. Without it every response
     * (headers, then body: two writes) waits for the client's delayed ACK, about 40 ms on Linux, which caps a
     * keep-alive connection at ~25 requests/s. The JDK reads the property once, when its first server in the
     * JVM starts, so every server class of ours calls this in its static initializer: whichever starts first
     * sets it for all.
     */
    public static void enableNoDelay() {
        if (System.getProperty(NODELAY_PROPERTY) == null) System.setProperty(NODELAY_PROPERTY, "true");
    }

    /**
     * Health and readiness: Kubernetes probes call them and carry no token, so they stay open; they tell nothing
     * but "ok" or "not ready".
     */
    public static final Set<String> PROBE_PATHS = Set.of("/health", "/ready");

    /** An {@link HttpsServer} when {@code tls} is set, else a plain {@link HttpServer}; bound, not started. */
    public static HttpServer create(InetSocketAddress address, int backlog, SSLContext tls) throws IOException {
        if (tls == null) return HttpServer.create(address, backlog);
        HttpsServer https = HttpsServer.create(address, backlog);
        https.setHttpsConfigurator(new HttpsConfigurator(tls));
        return https;
    }

    /** A server as {@code security} says: HTTPS with its keystore, or plain HTTP. Bound, not started. */
    public static HttpServer create(InetSocketAddress address, int backlog, HttpSecurity security) throws IOException {
        return create(address, backlog, security.serverContext());
    }

    /**
     * Serves {@code handler} at {@code path}, behind a {@link BearerTokenFilter} when {@code token} is not null
     * ({@link HttpSecurity#bearerToken()}, resolved before binding so a bad token file leaves no port open);
     * {@link #PROBE_PATHS} stay open.
     */
    public static HttpContext context(HttpServer server, String path, HttpHandler handler, String token) {
        HttpContext ctx = server.createContext(path, handler);
        if (token != null) ctx.getFilters().add(new BearerTokenFilter(token, PROBE_PATHS));
        return ctx;
    }
}
