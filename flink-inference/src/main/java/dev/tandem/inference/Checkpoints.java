package dev.tandem.inference;

import java.io.IOException;
import java.util.Comparator;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Finds what a restart resumes from in a checkpoint directory, through Flink's file systems (so
 * {@code file://}, and {@code s3://} etc. where their plugin is installed). Flink lays checkpoints out as
 * {@code <dir>/<job id>/chk-<n>/}, and a checkpoint is complete only once its {@code _metadata} file exists
 * (written last, by rename): a {@code chk-<n>} without it was cut short, e.g. by a {@code kill -9}.
 */
public final class Checkpoints {
    public static final String METADATA = "_metadata";
    private static final Pattern CHECKPOINT = Pattern.compile("chk-(\\d+)");

    private Checkpoints() {}

    /** One completed checkpoint: its directory, when its metadata was written, and its id. */
    record Completed(Path dir, long modified, long id) {}

    /**
     * The newest completed checkpoint under {@code dir} across every job that wrote there (by the time its
     * metadata was written, then by id), as a path Flink restores from; empty when there is none or
     * {@code dir} does not exist yet.
     */
    public static Optional<String> latest(String dir) throws IOException {
        Path root = new Path(dir);
        FileSystem fs = root.getFileSystem();
        if (!fs.exists(root)) return Optional.empty();
        Completed newest = null;
        for (FileStatus job : list(fs, root)) {
            if (!job.isDir()) continue;
            for (FileStatus chk : list(fs, job.getPath())) {
                var m = CHECKPOINT.matcher(chk.getPath().getName());
                if (!chk.isDir() || !m.matches()) continue;
                Path metadata = new Path(chk.getPath(), METADATA);
                FileStatus meta;
                try {
                    meta = fs.getFileStatus(metadata);
                } catch (java.io.FileNotFoundException e) {
                    continue; // not completed
                }
                Completed c = new Completed(chk.getPath(), meta.getModificationTime(), Long.parseLong(m.group(1)));
                if (newest == null || ORDER.compare(c, newest) > 0) newest = c;
            }
        }
        return newest == null ? Optional.empty() : Optional.of(newest.dir().toString());
    }

    private static final Comparator<Completed> ORDER =
            Comparator.comparingLong(Completed::modified).thenComparingLong(Completed::id);

    private static FileStatus[] list(FileSystem fs, Path p) throws IOException {
        FileStatus[] s = fs.listStatus(p);
        return s == null ? new FileStatus[0] : s;
    }
}
