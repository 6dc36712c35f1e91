package dev.tandem.connect.redis;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * Kafka Connect sink that keeps, per user, the newest prediction of the {@code predictions} topic in Redis (see
 * {@link RedisSinkTask} and connectors/README.md, "Redis sink"). Every task gets the same config: the write script
 * makes concurrent writers safe, so tasks scale with the topic's partitions.
 */
public class RedisSinkConnector extends SinkConnector {
    /** The project version Maven filtered into {@code tandem-connectors-version.properties}. */
    public static final String VERSION = readVersion();

    private Map<String, String> props;

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        new RedisSinkConfig(props); // fails the connector, naming the key, before any task starts
        this.props = Map.copyOf(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return RedisSinkTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<Map<String, String>> configs = new ArrayList<>(maxTasks);
        for (int i = 0; i < maxTasks; i++) {
            Map<String, String> c = new HashMap<>(props);
            c.put(RedisSinkConfig.TASK_ID, Integer.toString(i));
            configs.add(c);
        }
        return configs;
    }

    @Override
    public void stop() {}

    @Override
    public ConfigDef config() {
        return RedisSinkConfig.CONFIG_DEF;
    }

    private static String readVersion() {
        try (InputStream in = RedisSinkConnector.class.getResourceAsStream("/tandem-connectors-version.properties")) {
            if (in == null) return "unknown";
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            // an unfiltered file (an IDE build that skipped Maven's resource filtering) still says ${...}
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }
}
