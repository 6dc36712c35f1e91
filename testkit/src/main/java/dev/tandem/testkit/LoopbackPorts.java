package dev.tandem.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;

/**
 * Ports on the loopback interface. Everything the testkit starts listens on 127.0.0.1 only, so a
 * dev cluster never becomes reachable from the network by accident.
 */
public final class LoopbackPorts {
    public static final String HOST = "127.0.0.1";

    private LoopbackPorts() {}

    /**
     * A port that was free a moment ago. Bind-and-release leaves a small window in which another
     * process could take it; that is acceptable for tests and a dev cluster, and the alternative
     * (handing a bound socket to Kafka) is not possible.
     */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(loopback(), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("cannot find a free port on " + HOST + ": " + e.getMessage(), e);
        }
    }

    /** {@code port} itself if it is positive, else a free one. */
    public static int resolve(int port) {
        if (port < 0 || port > 65_535) throw new IllegalArgumentException("port out of range: " + port);
        return port == 0 ? freePort() : port;
    }

    /** Whether a server could bind {@code port} on 127.0.0.1 right now. */
    public static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            // Same SO_REUSEADDR as Kafka and the JDK HTTP server: TIME_WAIT leftovers of a broker
            // that just stopped must not count as "in use", a live listener must.
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(loopback(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Throws {@link PortInUseException} unless {@code port} is bindable; {@code what} names its user. */
    public static void requireFree(int port, String what) {
        if (port != 0 && !isFree(port)) throw new PortInUseException(what, port);
    }

    /** Waits up to {@code timeout} for {@code port} to become bindable; returns whether it did. */
    public static boolean awaitFree(int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (isFree(port)) return true;
            if (System.nanoTime() - deadline >= 0) return false;
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    static InetAddress loopback() {
        try {
            return InetAddress.getByName(HOST);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
