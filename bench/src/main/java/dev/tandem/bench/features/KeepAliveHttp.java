package dev.tandem.bench.features;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The load generator's HTTP/1.1 client: one keep-alive connection, a GET per call, the response read to its end and
 * dropped. Every request's bytes are built once, before the run, and shared by the threads; a call allocates only its
 * header lines, so the generator's own collections stay out of the latencies it measures ({@code HttpURLConnection}
 * allocated a connection, a URL and streams per request, and its pauses showed; and a URI per id per thread did not
 * fit the generator's heap at 200,000 ids). Only what the servers under test
 * send: a status line, headers with {@code Content-Length} (or none, for a body-less status), no chunking.
 */
public final class KeepAliveHttp {
    private KeepAliveHttp() {}

    /** The GETs of {@code template} with {@code {id}} replaced by each URL-encoded id, and where to send them. */
    public record Requests(InetSocketAddress address, byte[][] requests) {
        public static Requests of(String template, List<String> ids) {
            URI uri = URI.create(template.replace("{id}", "x"));
            if (!"http".equals(uri.getScheme())) throw new IllegalArgumentException("not an http URL: " + template);
            int port = uri.getPort() < 0 ? 80 : uri.getPort();
            String host = "Host: " + uri.getHost() + ":" + port + "\r\n\r\n";
            String prefix = template.substring(template.indexOf('/', "http://".length()));
            byte[][] requests = new byte[ids.size()][];
            for (int i = 0; i < ids.size(); i++) {
                String path = prefix.replace("{id}", URLEncoder.encode(ids.get(i), StandardCharsets.UTF_8));
                requests[i] = ("GET " + path + " HTTP/1.1\r\n" + host).getBytes(StandardCharsets.US_ASCII);
            }
            return new Requests(new InetSocketAddress(uri.getHost(), port), requests);
        }
    }

    /** One connection, for one thread. */
    public static final class Connection implements AutoCloseable {
        private final Requests requests;
        private final byte[] buf = new byte[64 * 1024];
        private Socket socket;
        private InputStream in;
        private OutputStream out;
        private int pos;
        private int limit;

        public Connection(Requests requests) {
            this.requests = requests;
        }

        /** GET request {@code i}: the status, or -1 when the connection failed (the next call reconnects). */
        public int get(int i) {
            try {
                if (socket == null) connect();
                byte[] r = requests.requests()[i % requests.requests().length];
                out.write(r, 0, r.length);
                out.flush();
                return response();
            } catch (IOException | RuntimeException e) {
                close();
                return -1;
            }
        }

        private void connect() throws IOException {
            Socket s = new Socket();
            s.setTcpNoDelay(true);
            s.setSoTimeout(10_000);
            s.connect(requests.address(), 5_000);
            socket = s;
            in = s.getInputStream();
            out = s.getOutputStream();
            pos = limit = 0;
        }

        /** Reads one response: the status line, the headers, then Content-Length bytes of body. */
        private int response() throws IOException {
            String status = line();
            if (!status.startsWith("HTTP/1.") || status.length() < 12) throw new IOException("bad status: " + status);
            int code = Integer.parseInt(status.substring(9, 12));
            long length = 0;
            boolean close = status.startsWith("HTTP/1.0");
            for (String h = line(); !h.isEmpty(); h = line()) {
                int colon = h.indexOf(':');
                if (colon < 0) continue;
                String name = h.substring(0, colon).trim();
                String value = h.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("Content-Length")) length = Long.parseLong(value);
                else if (name.equalsIgnoreCase("Transfer-Encoding")) throw new IOException("chunked: not supported");
                else if (name.equalsIgnoreCase("Connection")) close = value.equalsIgnoreCase("close");
            }
            while (length > 0) {
                if (pos == limit) fill();
                int n = (int) Math.min(length, limit - pos);
                pos += n;
                length -= n;
            }
            if (close) close();
            return code;
        }

        /** A header line without its CRLF (ASCII: the servers here send nothing else in headers). */
        private String line() throws IOException {
            StringBuilder sb = new StringBuilder(64);
            while (true) {
                if (pos == limit) fill();
                byte b = buf[pos++];
                if (b == '\n') {
                    int n = sb.length();
                    if (n > 0 && sb.charAt(n - 1) == '\r') sb.setLength(n - 1);
                    return sb.toString();
                }
                sb.append((char) (b & 0xff));
            }
        }

        private void fill() throws IOException {
            int n = in.read(buf, 0, buf.length);
            if (n < 0) throw new EOFException("the server closed the connection");
            pos = 0;
            limit = n;
        }

        @Override
        public void close() {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing a connection we are dropping anyway
                }
            }
            socket = null;
        }
    }
}
