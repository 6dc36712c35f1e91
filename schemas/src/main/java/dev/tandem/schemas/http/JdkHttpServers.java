package dev.tandem.schemas.http;

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
}
