package dev.tandem.platform.cli;

import dev.tandem.schemas.kafka.KafkaEndpoints;
import dev.tandem.schemas.topics.ForgetSignal;
import dev.tandem.schemas.topics.TandemTopics;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tandem forget}: the forget signal for one user into the events topic. */
@Command(
        name = "forget",
        mixinStandardHelpOptions = true,
        description = {
            "Removes a user everywhere: sends a null-valued record keyed by USER_ID with the header tandem.forget to the",
            "events topic. The features app deletes the user and tombstones user-features, the scoring job clears the user",
            "and tombstones predictions, the serving sinks delete the user's rows and keys (the JDBC log too), and",
            "monitoring drops the user's waiting outcomes. Records already in events and predictions stay until retention",
            "(docs/reliability.md). Idempotent: forgetting twice, or a user never seen, is harmless."
        })
public final class ForgetCommand implements Callable<Integer> {
    static final long SEND_TIMEOUT_SECONDS = 30;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "USER_ID", description = "The user id, as the events topic's key.")
    String userId;

    @Option(
            names = "--topic",
            defaultValue = TandemTopics.EVENTS,
            description = "The events topic the features app reads (default: ${DEFAULT-VALUE}).")
    String topic;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() throws Exception {
        String refusal = refusal(userId);
        if (refusal != null) throw new CommandLine.ParameterException(spec.commandLine(), refusal);
        if (topic.isBlank()) throw new CommandLine.ParameterException(spec.commandLine(), "--topic must not be empty");
        KafkaEndpoints endpoints = kafka.reachableEndpoints();
        RecordMetadata sent = send(endpoints, topic, userId);
        PrintWriter out = spec.commandLine().getOut();
        out.println("forget signal for user '" + userId + "' sent to '" + topic + "' (partition " + sent.partition()
                + ", offset " + sent.offset() + ")");
        out.flush();
        return ExitCodes.OK;
    }

    /** Why {@code user} cannot be a user id to forget, or null. */
    static String refusal(String user) {
        if (user == null || user.isBlank()) return "USER_ID must not be empty or blank";
        for (int i = 0; i < user.length(); i++) {
            if (Character.isISOControl(user.charAt(i))) return "USER_ID must not contain control characters";
        }
        return null;
    }

    /** Sends the signal and waits for the broker's acknowledgement (acks=all, idempotent: never written twice). */
    static RecordMetadata send(KafkaEndpoints endpoints, String topic, String userId) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "tandem-forget");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) TimeUnit.SECONDS.toMillis(SEND_TIMEOUT_SECONDS));
        // delivery must cover linger plus one request: a request timeout equal to it refuses to construct
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TimeUnit.SECONDS.toMillis(SEND_TIMEOUT_SECONDS / 3));
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(endpoints.client(p), new ByteArraySerializer(), new ByteArraySerializer())) {
            ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(
                    topic, null, userId.getBytes(StandardCharsets.UTF_8), null, ForgetSignal.mark(new RecordHeaders()));
            return producer.send(record).get(SEND_TIMEOUT_SECONDS + 5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            throw new CliException("sending the forget signal to '" + topic + "' failed: " + c.getMessage());
        } catch (TimeoutException e) {
            throw new CliException("sending the forget signal to '" + topic + "' timed out");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted while sending the forget signal");
        }
    }
}
