package dev.hearth.cli.bench;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/** The workload every target runs: a key space, a value size, a read share, all fixed so results compare. */
record Workload(int keys, int valueSize, double getRatio) {
    String key(int i) {
        return "bench:key-" + i;
    }

    byte[] value(int i) {
        byte[] v = new byte[valueSize];
        byte[] tag = Integer.toString(i).getBytes(StandardCharsets.US_ASCII);
        for (int j = 0; j < v.length; j++) {
            v[j] = j < tag.length ? tag[j] : (byte) ('a' + (i + j) % 26);
        }
        return v;
    }

    /**
     * Draws the next {@code n} operations into {@code keys} and {@code gets} (a key, then get or set, per operation,
     * the order every run since the first has drawn them in); returns how many are gets.
     */
    int draw(SplittableRandom rnd, int[] keys, boolean[] gets, int n) {
        int g = 0;
        for (int i = 0; i < n; i++) {
            keys[i] = rnd.nextInt(keys());
            gets[i] = rnd.nextDouble() < getRatio;
            g += gets[i] ? 1 : 0;
        }
        return g;
    }
}
