package dev.tandem.connect.redis;

import dev.tandem.testkit.LoopbackPorts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy in front of a server that can cut a client's connection after an exact number of bytes: the server gets
 * those bytes and an orderly end of stream (so it runs every complete command in them, as it would if the client
 * died mid-batch), the client sees its connection close. While cut, new connections are closed at once, as if the
 * server were down, until {@link #heal()}.
 */
final class FaultProxy implements AutoCloseable {
    private static final long UNLIMITED = Long.MAX_VALUE;

    final int port = LoopbackPorts.freePort();
    private final int targetPort;
    private final ServerSocket server;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    /** Bytes still allowed towards the server before the cut; shared by all connections. */
    private final AtomicLong budget = new AtomicLong(UNLIMITED);

    private volatile boolean down;

    FaultProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(LoopbackPorts.HOST, port));
        Thread accept = new Thread(this::accept, "fault-proxy-accept-" + port);
        accept.setDaemon(true);
        accept.start();
    }

    /** After {@code bytes} more bytes towards the server, cut the connection and refuse new ones. */
    void cutAfter(long bytes) {
        budget.set(bytes);
    }

    void heal() {
        down = false;
        budget.set(UNLIMITED);
    }

    private void accept() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            if (down) {
                closeQuietly(client);
                continue;
            }
            try {
                Socket upstream = new Socket(LoopbackPorts.HOST, targetPort);
                sockets.add(client);
                sockets.add(upstream);
                start("up", () -> toServer(client, upstream));
                start("down", () -> toClient(upstream, client));
            } catch (IOException e) {
                closeQuietly(client);
            }
        }
    }

    private void toServer(Socket client, Socket upstream) {
        byte[] buf = new byte[8192];
        try (InputStream in = client.getInputStream()) {
            OutputStream out = upstream.getOutputStream();
            int n;
            while ((n = in.read(buf)) >= 0) {
                long allowed = take(n);
                out.write(buf, 0, (int) allowed);
                out.flush();
                if (allowed < n || budget.get() == 0) {
                    down = true;
                    // the server sees an orderly end after exactly the allowed bytes; the client a closed socket
                    upstream.shutdownOutput();
                    closeQuietly(client);
                    return;
                }
            }
            upstream.shutdownOutput();
        } catch (IOException e) {
            closeQuietly(client);
            try {
                upstream.shutdownOutput();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }

    private long take(int n) {
        while (true) {
            long left = budget.get();
            if (left == UNLIMITED) return n;
            long allowed = Math.min(left, n);
            if (budget.compareAndSet(left, left - allowed)) return allowed;
        }
    }

    private void toClient(Socket upstream, Socket client) {
        byte[] buf = new byte[8192];
        boolean clientGone = false;
        try (InputStream in = upstream.getInputStream()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (clientGone) continue; // drain until the server closes, so it never sees a reset
                try {
                    client.getOutputStream().write(buf, 0, n);
                } catch (IOException e) {
                    clientGone = true;
                }
            }
        } catch (IOException e) {
            // the server went away
        } finally {
            closeQuietly(client);
            closeQuietly(upstream);
            sockets.remove(client);
            sockets.remove(upstream);
        }
    }

    private void start(String what, Runnable r) {
        Thread t = new Thread(r, "fault-proxy-" + what + "-" + port);
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        sockets.forEach(FaultProxy::closeQuietly);
    }
}
