package dev.tandem.connect.jdbc;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * Keeps each user's newest prediction in a PostgreSQL table or a SQLite file, where the recommendations API reads it
 * ({@link JdbcRecommendationStore}). Any number of tasks on PostgreSQL; exactly one on SQLite, whose file takes one
 * writer at a time (more tasks would only queue on its lock).
 */
public class JdbcSinkConnector extends SinkConnector {
    static final String VERSION = "0.1.0";

    private Map<String, String> props;
    private JdbcSinkConfig config;

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        this.config = new JdbcSinkConfig(props); // fails the connector, naming the key, before any task starts
        this.props = Map.copyOf(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return JdbcSinkTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        int tasks = config.dialect() == Dialect.SQLITE ? 1 : maxTasks;
        List<Map<String, String>> configs = new ArrayList<>(tasks);
        for (int i = 0; i < tasks; i++) {
            Map<String, String> task = new HashMap<>(props);
            task.put(JdbcSinkTask.TASK_INDEX, Integer.toString(i));
            configs.add(task);
        }
        return configs;
    }

    @Override
    public void stop() {}

    @Override
    public ConfigDef config() {
        return JdbcSinkConfig.configDef();
    }

    /** Adds what single-key validators cannot see: SQLite's one task, and keys that contradict each other. */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config result = super.validate(connectorConfigs);
        ConfigValue url = find(result, JdbcSinkConfig.CONNECTION_URL);
        if (url == null || !url.errorMessages().isEmpty()) return result;
        Dialect dialect = Dialect.of((String) url.value());
        String tasksMax = connectorConfigs.get("tasks.max");
        if (dialect == Dialect.SQLITE && tasksMax != null && !tasksMax.trim().equals("1")) {
            url.addErrorMessage("a SQLite file takes one writer, so this connector runs exactly one task: set"
                    + " tasks.max=1 (it is " + tasksMax.trim() + "), or use PostgreSQL to write in parallel");
        }
        ConfigValue schema = find(result, JdbcSinkConfig.TABLE_SCHEMA);
        ConfigValue latest = find(result, JdbcSinkConfig.TABLE_LATEST);
        ConfigValue log = find(result, JdbcSinkConfig.TABLE_LOG);
        if (schema != null && latest != null && log != null) {
            JdbcSinkConfig.Problem problem = JdbcSinkConfig.crossCheck(
                    dialect, (String) schema.value(), (String) latest.value(), (String) log.value());
            if (problem != null) find(result, problem.key()).addErrorMessage(problem.message());
        }
        return result;
    }

    private static ConfigValue find(Config config, String name) {
        for (ConfigValue v : config.configValues()) {
            if (v.name().equals(name)) return v;
        }
        return null;
    }
}
