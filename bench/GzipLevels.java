import java.io.BufferedOutputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * Deflate levels side by side on one core, for docs/benchmarks.md (why dumps store what does not compress):
 * 200 MB of 1 KiB values, random or JSON-like, written through GZIPOutputStream at levels 6 (the default), 1 and 0,
 * three rounds alternating. Run: {@code java bench/GzipLevels.java [OUT_FILE]}.
 */
public class GzipLevels {
    public static void main(String[] args) throws IOException {
        File out = new File(args.length > 0 ? args[0] : "/tmp/hearth-gzip-levels.gz");
        for (String kind : new String[] {"random", "json"}) {
            byte[][] values = values(kind);
            for (int round = 1; round <= 3; round++) {
                for (int level : new int[] {6, 1, 0}) {
                    long bytes = 0;
                    long t0 = System.nanoTime();
                    try (OutputStream o = new BufferedOutputStream(new GZIPOutputStream(new FileOutputStream(out),
                            65536) {
                        {
                            def.setLevel(level);
                        }
                    }, 65536)) {
                        for (int pass = 0; pass < 10; pass++) {
                            for (byte[] v : values) {
                                o.write(v);
                                bytes += v.length;
                            }
                        }
                    }
                    double s = (System.nanoTime() - t0) / 1e9;
                    System.out.printf("%s round %d level %d: %.1f MB/s, %.1f MB of file for %.1f MB%n", kind, round,
                            level, bytes / 1e6 / s, out.length() / 1e6, bytes / 1e6);
                }
            }
        }
    }

    private static byte[][] values(String kind) {
        Random rnd = new Random(1);
        byte[][] values = new byte[20_000][];
        for (int i = 0; i < values.length; i++) {
            values[i] = new byte[1024];
            if (kind.equals("random")) {
                rnd.nextBytes(values[i]);
            } else {
                byte[] json = ("{\"id\":" + i + ",\"name\":\"product " + i + "\",\"price\":" + rnd.nextInt(10_000)
                        + ",\"tags\":[\"a\",\"b\"],\"description\":\"" + "lorem ipsum dolor sit amet ".repeat(40)
                        + "\"}").getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(json, 0, values[i], 0, Math.min(json.length, 1024));
            }
        }
        return values;
    }
}
