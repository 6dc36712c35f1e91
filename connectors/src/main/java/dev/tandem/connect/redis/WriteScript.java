package dev.tandem.connect.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The one Lua script that stores a user's recommendation. The check (is the new prediction newer than the stored one
 * under {@link dev.tandem.connect.serving.Freshness}?) and the write run as one atomic step in Redis, so concurrent
 * tasks, a redelivered batch or a replay can never put an older prediction over a newer one, whatever the order in
 * which they reach Redis.
 *
 * <p>KEYS: 1 = {@code {prefix}rec:{user}}, 2 = {@code {prefix}rec:{user}:scores}. ARGV: 1 = request_time (decimal
 * epoch ms), 2 = request_id, 3 = the recommendation's JSON, 4 = TTL in seconds (0: none), 5 = {@code 1} to keep item
 * scores, 6... = item_id, score pairs. Returns 1 when it wrote, 0 when the stored prediction is newer or the same.
 */
final class WriteScript {
    private WriteScript() {}

    // Lua's "<" on strings goes through strcoll, i.e. the Redis server's LC_COLLATE: under en_US.UTF-8 it would not
    // be byte order and the script would disagree with Freshness. So ids compare byte by byte, and request times
    // (which may exceed a double's 2^53) compare as decimal strings, by sign then length then bytes.
    static final String SOURCE = """
            local function cmp_bytes(a, b)
              if a == b then return 0 end
              local n = math.min(#a, #b)
              for i = 1, n do
                local x, y = string.byte(a, i), string.byte(b, i)
                if x ~= y then if x < y then return -1 else return 1 end end
              end
              if #a < #b then return -1 else return 1 end
            end
            local function cmp_int(a, b)
              local na, nb = string.byte(a, 1) == 45, string.byte(b, 1) == 45
              if na ~= nb then if na then return -1 else return 1 end end
              local r
              if #a ~= #b then
                if #a < #b then r = -1 else r = 1 end
              else
                r = cmp_bytes(a, b)
              end
              if na then return -r else return r end
            end
            local stored = redis.call('HMGET', KEYS[1], 'request_time', 'request_id')
            if stored[1] and stored[2] then
              local c = cmp_int(ARGV[1], stored[1])
              if c == 0 then c = cmp_bytes(ARGV[2], stored[2]) end
              if c <= 0 then return 0 end
            end
            local ttl = tonumber(ARGV[4])
            redis.call('DEL', KEYS[1], KEYS[2])
            redis.call('HSET', KEYS[1], 'request_time', ARGV[1], 'request_id', ARGV[2], 'json', ARGV[3])
            if ttl > 0 then redis.call('EXPIRE', KEYS[1], ttl) end
            if ARGV[5] == '1' and #ARGV > 5 then
              local i = 6
              while i <= #ARGV do
                local last = math.min(i + 999, #ARGV)
                redis.call('HSET', KEYS[2], unpack(ARGV, i, last))
                i = last + 1
              end
              if ttl > 0 then redis.call('EXPIRE', KEYS[2], ttl) end
            end
            return 1
            """;

    static final String SHA1 = sha1(SOURCE);

    private static String sha1(String source) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-1", e);
        }
    }
}
