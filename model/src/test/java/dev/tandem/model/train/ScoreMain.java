package dev.tandem.model.train;

import dev.tandem.model.features.EncodedBatch;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.serving.FunnelScorer;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Run in a fresh JVM by {@link TrainerTest}: loads an exported model directory, scores the rows
 * stored in a file and prints every probability's raw float bits, one per line.
 * Usage: {@code ScoreMain <modelDir> <rowsFile> <stage>...}
 */
public final class ScoreMain {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        FeatureSpec spec = FeatureSpec.read(dir);
        EncodedBatch b = readRows(Path.of(args[1]), spec);
        try (FunnelScorer scorer = FunnelScorer.load(dir, spec, List.of(Arrays.copyOfRange(args, 2, args.length)))) {
            for (float p : scorer.score(b)) {
                System.out.println(Float.floatToRawIntBits(p));
            }
        }
    }

    static void writeRows(EncodedBatch b, Path file) throws IOException {
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
            out.writeInt(b.rows());
            for (var f : b.spec().features()) {
                int n = b.rows() * f.width();
                if (f.isInt()) {
                    int[] a = b.ints(f.name());
                    for (int i = 0; i < n; i++) {
                        out.writeInt(a[i]);
                    }
                } else {
                    float[] a = b.floats(f.name());
                    for (int i = 0; i < n; i++) {
                        out.writeFloat(a[i]);
                    }
                }
            }
        }
    }

    static EncodedBatch readRows(Path file, FeatureSpec spec) throws IOException {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            int rows = in.readInt();
            EncodedBatch b = new EncodedBatch(spec, rows);
            for (var f : spec.features()) {
                int n = rows * f.width();
                if (f.isInt()) {
                    int[] a = b.ints(f.name());
                    for (int i = 0; i < n; i++) {
                        a[i] = in.readInt();
                    }
                } else {
                    float[] a = b.floats(f.name());
                    for (int i = 0; i < n; i++) {
                        a[i] = in.readFloat();
                    }
                }
            }
            b.setRows(rows);
            return b;
        }
    }
}
