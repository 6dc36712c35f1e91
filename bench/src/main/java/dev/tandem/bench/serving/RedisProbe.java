package dev.tandem.bench.serving;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TrackingArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.push.PushListener;
import io.lettuce.core.protocol.ProtocolVersion;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tells when a recommendation becomes readable in Redis, without polling: one connection asks Redis to track every key
 * under a prefix ({@code CLIENT TRACKING ON BCAST PREFIX …}, RESP3), so Redis pushes an {@code invalidate} message for
 * each key a sink writes, right after the write; a second connection then reads that key's stored document
 * ({@code HGET key json}) as any reader would. The moment that read's reply arrives is when the recommendation was
 * readable, at most one round trip late. The cost is one push and one read per write, whatever the rate, and tracking is
 * this connection's own: the shared server's configuration (e.g. {@code notify-keyspace-events}) is not touched.
 */
final class RedisProbe implements AutoCloseable {
    /** What a read found: the stored recommendation's request id and scoring time (wall ms), at {@code nanos}. */
    interface Reads {
        void read(String key, String requestId, long scoredAtMs, long nanos);
    }

    private static final Pattern REQUEST_ID = Pattern.compile("\"request_id\":\"([^\"]*)\"");
    private static final Pattern SCORED_AT = Pattern.compile("\"scored_at\":(-?\\d+)");

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> tracking;
    private final StatefulRedisConnection<String, String> reader;

    RedisProbe(String redisUri, String keyPrefix, Reads reads) {
        client = RedisClient.create(RedisURI.create(redisUri));
        // invalidations arrive as RESP3 push messages on the tracking connection itself (no REDIRECT needed)
        client.setOptions(
                ClientOptions.builder().protocolVersion(ProtocolVersion.RESP3).build());
        tracking = client.connect();
        reader = client.connect();
        RedisAsyncCommands<String, String> read = reader.async();
        PushListener listener = message -> {
            if (!"invalidate".equals(message.getType())) return;
            List<Object> content = message.getContent();
            if (content.size() < 2 || !(content.get(1) instanceof List<?> keys)) return;
            for (Object k : keys) {
                String key = k instanceof ByteBuffer b
                        ? StandardCharsets.UTF_8.decode(b.duplicate()).toString()
                        : String.valueOf(k);
                read.hget(key, "json").thenAccept(json -> {
                    long now = System.nanoTime();
                    if (json == null) return; // deleted (the run's clean-up)
                    Matcher id = REQUEST_ID.matcher(json);
                    Matcher at = SCORED_AT.matcher(json);
                    if (id.find() && at.find()) reads.read(key, id.group(1), Long.parseLong(at.group(1)), now);
                });
            }
        };
        tracking.addListener(listener);
        tracking.sync().clientTracking(TrackingArgs.Builder.enabled().bcast().prefixes(keyPrefix));
    }

    @Override
    public void close() {
        try {
            tracking.close();
            reader.close();
        } finally {
            client.shutdown();
        }
    }
}
