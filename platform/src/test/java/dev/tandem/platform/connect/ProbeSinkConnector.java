package dev.tandem.platform.connect;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkConnector;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;

/**
 * A sink that does nothing, for tests of the worker and the deployer: {@code probe.fail=true} makes its start fail,
 * as a connector with a bad store URL would. Registered for service_load discovery in the test resources.
 */
public class ProbeSinkConnector extends SinkConnector {
    public static final String FAIL = "probe.fail";
    private Map<String, String> props;

    @Override
    public void start(Map<String, String> props) {
        if (Boolean.parseBoolean(props.get(FAIL))) throw new ConnectException("probe told to fail");
        this.props = props;
    }

    @Override
    public Class<? extends Task> taskClass() {
        return ProbeTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        return List.of(props);
    }

    @Override
    public void stop() {}

    @Override
    public ConfigDef config() {
        return new ConfigDef().define(FAIL, ConfigDef.Type.BOOLEAN, false, ConfigDef.Importance.LOW, "fail at start");
    }

    @Override
    public String version() {
        return "1.0";
    }

    public static class ProbeTask extends SinkTask {
        @Override
        public String version() {
            return "1.0";
        }

        @Override
        public void start(Map<String, String> props) {}

        @Override
        public void put(Collection<SinkRecord> records) {}

        @Override
        public void stop() {}
    }

    /** The same connector, but never listed in META-INF/services: a service_load worker must not see it. */
    public static class Unlisted extends ProbeSinkConnector {}
}
