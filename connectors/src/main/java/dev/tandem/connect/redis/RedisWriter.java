package dev.tandem.connect.redis;

import dev.tandem.connect.redis.BatchReduction.UserWrite;
import dev.tandem.connect.serving.RankedItem;
import dev.tandem.connect.serving.Recommendation;
import dev.tandem.connect.serving.RecommendationJson;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Writes a reduced batch to Redis over one connection: every user's delete and script call pipelined (auto-flush off,
 * a flush every {@value #FLUSH_EVERY} commands), then all replies awaited. Either the whole batch is acknowledged, or it throws
 * {@link StoreUnavailableException} and the caller retries the whole batch, which the script makes safe: a write that
 * did land is refused the second time as "the same prediction".
 *
 * <p>After any failure the connection is dropped and a new one is made for the next batch, so nothing of a failed
 * batch can reach Redis later out of order.
 */
final class RedisWriter implements AutoCloseable {
    enum Outcome {
        /** The script stored the prediction. */
        WRITTEN,
        /** The script kept what Redis held: newer than, or the same as, the prediction. */
        STALE,
        /** Only a delete (a tombstone with no later prediction in the batch). */
        DELETED,
        /** Redis refused this user's write for a reason retrying cannot fix (e.g. a key of another type). */
        REFUSED
    }

    record Result<S>(UserWrite<S> write, Outcome outcome, RedisCommandExecutionException error) {}

    /** Redis did not acknowledge the batch: unreachable, closed the connection, or too slow. */
    static class StoreUnavailableException extends Exception {
        StoreUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Redis refuses the sink itself (a wrong password, an ACL user without a command or key it needs): retrying would
     * only repeat it, so the task should stop and say why instead of looking like an outage.
     */
    static final class StoreRefusedException extends StoreUnavailableException {
        StoreRefusedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Redis's own words when {@code e} (or a cause) is an authentication or ACL refusal; null otherwise. */
    static String refusal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (t instanceof RedisCommandExecutionException
                    && m != null
                    && (m.startsWith("WRONGPASS") || m.startsWith("NOAUTH") || m.startsWith("NOPERM"))) return m;
        }
        return null;
    }

    private StoreUnavailableException unavailable(String what, RedisException e) {
        String refused = refusal(e);
        return refused != null
                ? new StoreRefusedException(client.describe() + " refuses the sink: " + refused, e)
                : new StoreUnavailableException(what + ": " + e.getMessage(), e);
    }

    static final int FLUSH_EVERY = 32;

    private final LettuceClient client;
    private final RedisKeys keys;
    private final byte[] ttlSeconds;
    private final boolean itemScores;
    private final Duration timeout;
    private StatefulRedisConnection<String, byte[]> connection;

    RedisWriter(LettuceClient client, RedisKeys keys, long ttlSeconds, boolean itemScores, Duration timeout) {
        this.client = client;
        this.keys = keys;
        this.ttlSeconds = ascii(Long.toString(ttlSeconds));
        this.itemScores = itemScores;
        this.timeout = timeout;
    }

    <S> List<Result<S>> write(List<UserWrite<S>> writes) throws StoreUnavailableException {
        if (writes.isEmpty()) return List.of();
        long deadline = System.nanoTime() + timeout.toNanos();
        StatefulRedisConnection<String, byte[]> c = connection();
        try {
            RedisAsyncCommands<String, byte[]> redis = c.async();
            List<RedisFuture<Long>> deletes = new ArrayList<>(writes.size());
            List<RedisFuture<Long>> scripts = new ArrayList<>(writes.size());
            for (int i = 0; i < writes.size(); i++) {
                UserWrite<S> w = writes.get(i);
                deletes.add(
                        w.deleteFirst()
                                ? redis.del(keys.recommendation(w.userId()), keys.itemScores(w.userId()))
                                : null);
                scripts.add(w.newest() == null ? null : script(redis, w.newest()));
                // Redis runs the first scripts while the rest are encoded, instead of idling until the batch is
                // ready; it is still one pipeline, and every reply is awaited below
                if ((i + 1) % FLUSH_EVERY == 0) c.flushCommands();
            }
            c.flushCommands();

            List<Result<S>> results = new ArrayList<>(writes.size());
            List<Integer> noScript = new ArrayList<>();
            for (int i = 0; i < writes.size(); i++) {
                UserWrite<S> w = writes.get(i);
                if (deletes.get(i) != null) await(deletes.get(i), deadline);
                if (scripts.get(i) == null) {
                    results.add(new Result<>(w, Outcome.DELETED, null));
                    continue;
                }
                try {
                    results.add(scriptResult(w, await(scripts.get(i), deadline)));
                } catch (RedisNoScriptException e) {
                    // Redis lost its scripts (restart, failover, SCRIPT FLUSH) on a connection that survived
                    noScript.add(i);
                    results.add(null);
                } catch (RedisCommandExecutionException e) {
                    if (!isDataError(e)) throw e;
                    results.add(new Result<>(w, Outcome.REFUSED, e));
                }
            }
            if (!noScript.isEmpty()) {
                loadScript(c, deadline);
                List<RedisFuture<Long>> again = new ArrayList<>(noScript.size());
                for (int i : noScript) again.add(script(redis, writes.get(i).newest()));
                c.flushCommands();
                for (int k = 0; k < noScript.size(); k++) {
                    int i = noScript.get(k);
                    try {
                        results.set(i, scriptResult(writes.get(i), await(again.get(k), deadline)));
                    } catch (RedisCommandExecutionException e) {
                        if (!isDataError(e)) throw e;
                        results.set(i, new Result<>(writes.get(i), Outcome.REFUSED, e));
                    }
                }
            }
            return results;
        } catch (RedisException | StoreUnavailableException e) {
            drop();
            throw e instanceof StoreUnavailableException s
                    ? s
                    : unavailable("Redis failed the batch", (RedisException) e);
        }
    }

    private RedisFuture<Long> script(RedisAsyncCommands<String, byte[]> redis, Recommendation r) {
        byte[][] args = new byte[5 + (itemScores ? 2 * r.items().size() : 0)][];
        args[0] = ascii(Long.toString(r.requestTime()));
        args[1] = r.requestId().getBytes(StandardCharsets.UTF_8);
        args[2] = RecommendationJson.encodeUtf8(r);
        args[3] = ttlSeconds;
        args[4] = ascii(itemScores ? "1" : "0");
        if (itemScores) {
            int i = 5;
            for (RankedItem item : r.items()) {
                args[i++] = item.itemId().getBytes(StandardCharsets.UTF_8);
                args[i++] = ascii(Double.toString(item.score()));
            }
        }
        return redis.evalsha(
                WriteScript.SHA1,
                ScriptOutputType.INTEGER,
                new String[] {keys.recommendation(r.userId()), keys.itemScores(r.userId())},
                args);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static <S> Result<S> scriptResult(UserWrite<S> w, Long reply) {
        return new Result<>(w, reply != null && reply == 1L ? Outcome.WRITTEN : Outcome.STALE, null);
    }

    /** Errors of one key that a retry would only repeat; anything else (LOADING, READONLY, OOM...) may pass. */
    private static boolean isDataError(RedisCommandExecutionException e) {
        String m = e.getMessage();
        return m != null && m.startsWith("WRONGTYPE");
    }

    private StatefulRedisConnection<String, byte[]> connection() throws StoreUnavailableException {
        if (connection != null && connection.isOpen()) return connection;
        drop();
        StatefulRedisConnection<String, byte[]> c;
        try {
            c = client.connectForBytes();
        } catch (RedisException e) {
            throw unavailable("cannot connect to " + client.describe(), e);
        }
        try {
            c.setAutoFlushCommands(false);
            loadScript(c, System.nanoTime() + timeout.toNanos());
        } catch (RedisException | StoreUnavailableException e) {
            c.closeAsync();
            throw e instanceof StoreUnavailableException s
                    ? s
                    : unavailable("Redis refused the write script", (RedisException) e);
        }
        connection = c;
        return c;
    }

    private static void loadScript(StatefulRedisConnection<String, byte[]> c, long deadline)
            throws StoreUnavailableException {
        RedisFuture<String> sha = c.async().scriptLoad(WriteScript.SOURCE);
        c.flushCommands();
        String loaded = await(sha, deadline);
        if (!WriteScript.SHA1.equalsIgnoreCase(loaded)) {
            throw new IllegalStateException("Redis named the script " + loaded + ", expected " + WriteScript.SHA1);
        }
    }

    /** The reply, or the command's own Redis error rethrown as such; no reply in time is an outage. */
    private static <T> T await(Future<T> f, long deadline) throws StoreUnavailableException {
        try {
            return f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new StoreUnavailableException("Redis did not answer in time", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while waiting for Redis", e);
        } catch (CancellationException e) {
            throw new StoreUnavailableException("Redis command cancelled (connection closed)", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RedisException r) throw r;
            throw new StoreUnavailableException("Redis failed: " + e.getCause(), e.getCause());
        }
    }

    /** Whether a connection is open now (for tests and logs). */
    boolean connected() {
        return connection != null && connection.isOpen();
    }

    private void drop() {
        if (connection != null) connection.closeAsync();
        connection = null;
    }

    @Override
    public void close() {
        if (connection != null) connection.close();
        connection = null;
        client.close();
    }
}
