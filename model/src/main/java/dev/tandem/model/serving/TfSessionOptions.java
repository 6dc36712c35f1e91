package dev.tandem.model.serving;

import java.io.Serializable;
import java.util.regex.Pattern;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GPUOptions;

/**
 * How a scoring session uses the machine. Intra-op threads 1 and inter-op −1 are fixed (ops run on
 * the calling thread: one session per scoring subtask, see ARCHITECTURE.md); the GPU knobs only
 * matter with the GPU native library ({@code -Pgpu}) and are ignored by the CPU build.
 *
 * @param gpuMemoryGrowth when true ({@code GPUOptions.allow_growth}) the session grows its GPU memory
 *                        as needed instead of grabbing nearly all of it at start-up, so several
 *                        subtasks (sessions) can share one GPU
 * @param visibleDevices  {@code GPUOptions.visible_device_list}: comma-separated CUDA device indices
 *                        this session may use (e.g. {@code "0"} or {@code "0,1"}); empty = all
 */
public record TfSessionOptions(boolean gpuMemoryGrowth, String visibleDevices) implements Serializable {
    private static final Pattern DEVICE_LIST = Pattern.compile("\\d+(,\\d+)*");

    public TfSessionOptions {
        visibleDevices = visibleDevices == null ? "" : visibleDevices.replace(" ", "");
        if (!visibleDevices.isEmpty() && !DEVICE_LIST.matcher(visibleDevices).matches()) {
            throw new IllegalArgumentException(
                    "visible GPU devices must be comma-separated device indices like 0,1 (or empty for all), was '"
                            + visibleDevices + "'");
        }
    }

    /** Memory growth on, every GPU visible. */
    public static TfSessionOptions defaults() {
        return new TfSessionOptions(true, "");
    }

    public ConfigProto toConfigProto() {
        GPUOptions.Builder gpu = GPUOptions.newBuilder().setAllowGrowth(gpuMemoryGrowth);
        if (!visibleDevices.isEmpty()) {
            gpu.setVisibleDeviceList(visibleDevices);
        }
        return ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(1)
                .setInterOpParallelismThreads(-1)
                .setGpuOptions(gpu)
                .build();
    }
}
