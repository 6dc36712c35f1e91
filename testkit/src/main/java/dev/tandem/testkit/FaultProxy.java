package dev.tandem.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on a loopback port that a test can cut: every open connection severed (both sides closed, so the
 * client sees its store vanish mid-conversation and the server rolls back what the client left open), new ones
 * accepted and closed at once (a store that refuses), until {@link #restore()}. Lets an outage test break a shared
 * server's connection without touching the server. A cut can be armed to fire after a number of bytes from the
 * client, which puts it inside a large write deterministically, with no timing involved.
 */
public final class FaultProxy implements AutoCloseable {
    private final ServerSocket server;
    private final InetSocketAddress target;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong clientBytes = new AtomicLong();
    private final Object budgetLock = new Object();
    private long budget = -1; // client-to-server bytes left before an armed cut; -1: not armed
    private volatile boolean cut;

    private FaultProxy(ServerSocket server, InetSocketAddress target) {
        this.server = server;
        this.target = target;
        Thread acceptor = new Thread(this::acceptLoop, "fault-proxy-accept-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A proxy on a free loopback port relaying to {@code host:port}. */
    public static FaultProxy start(String host, int port) throws IOException {
        ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        return new FaultProxy(s, new InetSocketAddress(host, port));
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Severs every connection now and refuses new ones until {@link #restore()}. */
    public void cut() {
        cut = true;
        synchronized (budgetLock) {
            budget = -1;
        }
        for (Socket s : open) closeQuietly(s);
        open.clear();
    }

    /** Arms a {@link #cut()} that fires once {@code bytes} more bytes went from clients to the server. */
    public void cutAfterClientBytes(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("bytes must be >= 0");
        synchronized (budgetLock) {
            budget = bytes;
        }
    }

    /** Relays again (and disarms a pending cut). */
    public void restore() {
        synchronized (budgetLock) {
            budget = -1;
        }
        cut = false;
    }

    public boolean isCut() {
        return cut;
    }

    /** Bytes relayed from clients to the server so far: lets a test size a cut by what a known write sent. */
    public long clientBytes() {
        return clientBytes.get();
    }

    /** Connections accepted so far, refused ones included. */
    public long connectionsAccepted() {
        return accepted.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            accepted.incrementAndGet();
            if (cut) {
                closeQuietly(client);
                continue;
            }
            Socket upstream = new Socket();
            try {
                upstream.connect(target, 5_000);
            } catch (IOException e) {
                closeQuietly(client);
                closeQuietly(upstream);
                continue;
            }
            open.add(client);
            open.add(upstream);
            pump(client, upstream, true);
            pump(upstream, client, false);
        }
    }

    private void pump(Socket from, Socket to, boolean fromClient) {
        Thread t = new Thread(
                () -> {
                    byte[] buf = new byte[16 * 1024];
                    try (InputStream in = from.getInputStream();
                            OutputStream out = to.getOutputStream()) {
                        int n;
                        while ((n = in.read(buf)) >= 0) {
                            int allowed = fromClient ? take(n) : n;
                            out.write(buf, 0, allowed);
                            out.flush();
                            if (fromClient) clientBytes.addAndGet(allowed);
                            if (allowed < n || (fromClient && budgetSpent())) {
                                cut();
                                return;
                            }
                        }
                    } catch (IOException e) {
                        // the other side or a cut closed the pair
                    } finally {
                        closeQuietly(from);
                        closeQuietly(to);
                        open.remove(from);
                        open.remove(to);
                    }
                },
                "fault-proxy-" + (fromClient ? "up-" : "down-") + from.getPort());
        t.setDaemon(true);
        t.start();
    }

    /** How many of {@code n} client bytes may pass before an armed cut. */
    private int take(int n) {
        synchronized (budgetLock) {
            if (budget < 0) return n;
            int allowed = (int) Math.min(n, budget);
            budget -= allowed;
            return allowed;
        }
    }

    private boolean budgetSpent() {
        synchronized (budgetLock) {
            return budget == 0;
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing is all that was wanted
        }
    }

    @Override
    public void close() throws IOException {
        cut();
        server.close();
    }
}
