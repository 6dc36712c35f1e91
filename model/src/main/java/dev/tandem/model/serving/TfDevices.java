package dev.tandem.model.serving;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.tensorflow.TensorFlow;
import org.tensorflow.internal.c_api.TF_DeviceList;
import org.tensorflow.internal.c_api.TF_Graph;
import org.tensorflow.internal.c_api.TF_Session;
import org.tensorflow.internal.c_api.TF_SessionOptions;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.internal.c_api.global.tensorflow;

/**
 * The devices a TensorFlow session sees. TF Java 1.1 has no public device API on {@code Session}
 * (its native handle is private), so this opens a throw-away session on an empty graph through the
 * C API ({@code TF_SessionListDevices}) with the same {@link TfSessionOptions}: the same
 * {@code visible_device_list} filter applies, and what it lists is what a scoring session gets.
 */
public final class TfDevices {
    private TfDevices() {}

    /** One device, e.g. {@code /job:localhost/replica:0/task:0/device:GPU:0}, type {@code GPU}. */
    public record Device(String name, String type, long memoryBytes) {
        public boolean isGpu() {
            return "GPU".equalsIgnoreCase(type);
        }
    }

    public static List<Device> visible(TfSessionOptions options) {
        TensorFlow.version(); // loads the native library and registers the ops before the raw C API is touched
        byte[] config = options.toConfigProto().toByteArray();
        TF_Status status = TF_Status.newStatus();
        TF_Graph graph = tensorflow.TF_NewGraph();
        TF_SessionOptions opts = tensorflow.TF_NewSessionOptions();
        TF_Session session = null;
        try (BytePointer cfg = new BytePointer(config)) {
            tensorflow.TF_SetConfig(opts, cfg, config.length, status);
            status.throwExceptionIfNotOK();
            session = tensorflow.TF_NewSession(graph, opts, status);
            status.throwExceptionIfNotOK();
            TF_DeviceList list = tensorflow.TF_SessionListDevices(session, status);
            status.throwExceptionIfNotOK();
            try {
                int n = tensorflow.TF_DeviceListCount(list);
                List<Device> out = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    String name = tensorflow.TF_DeviceListName(list, i, status).getString();
                    status.throwExceptionIfNotOK();
                    String type = tensorflow.TF_DeviceListType(list, i, status).getString();
                    status.throwExceptionIfNotOK();
                    long bytes = tensorflow.TF_DeviceListMemoryBytes(list, i, status);
                    status.throwExceptionIfNotOK();
                    out.add(new Device(name, type, bytes));
                }
                return List.copyOf(out);
            } finally {
                tensorflow.TF_DeleteDeviceList(list);
            }
        } finally {
            if (session != null) {
                TF_Status s = TF_Status.newStatus();
                tensorflow.TF_CloseSession(session, s);
                tensorflow.TF_DeleteSession(session, s);
                s.delete();
            }
            tensorflow.TF_DeleteSessionOptions(opts);
            tensorflow.TF_DeleteGraph(graph);
            status.delete();
        }
    }
}
