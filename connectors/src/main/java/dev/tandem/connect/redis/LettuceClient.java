package dev.tandem.connect.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A Lettuce client with its own small event loops (one connection needs one I/O thread; Lettuce's default is one per
 * core, per client, and a worker may run many tasks), and both released together.
 */
final class LettuceClient implements AutoCloseable {
    private final ClientResources resources;
    private final RedisClient client;
    private final RedisURI uri;

    /**
     * @param autoReconnect false for the sink: Lettuce would otherwise replay, after a reconnect, commands of a batch
     *     the task already gave up on and Connect redelivers, e.g. a tombstone's delete landing after newer writes
     */
    LettuceClient(RedisURI uri, Duration connectTimeout, boolean autoReconnect) {
        this.uri = uri;
        this.resources = DefaultClientResources.builder()
                .ioThreadPoolSize(1)
                .computationThreadPoolSize(1)
                .build();
        this.client = RedisClient.create(resources);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(autoReconnect)
                // while Redis is away a command fails at once instead of queueing until a timeout
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(
                        SocketOptions.builder().connectTimeout(connectTimeout).build())
                .build());
    }

    /** A new connection; throws {@link io.lettuce.core.RedisConnectionException} when Redis is unreachable. */
    StatefulRedisConnection<String, String> connect() {
        return client.connect(uri);
    }

    /**
     * A new connection with String keys and byte[] values, for writes whose values are already UTF-8 (the stored JSON):
     * no String made only to be encoded again.
     */
    StatefulRedisConnection<String, byte[]> connectForBytes() {
        return client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE), uri);
    }

    /** Where it connects, password masked (Lettuce's {@link RedisURI#toString()} masks it). */
    String describe() {
        return uri.toString();
    }

    @Override
    public void close() {
        client.shutdown(0, 2, TimeUnit.SECONDS);
        resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
}
