package dev.hearth.node.integrity;

import java.io.Serializable;
import java.util.Arrays;

/**
 * One node's copies of a batch of partitions, as parallel arrays: compact to ship from a node to the coordinator
 * (no object per entry in the message) and cheap to build while scanning.
 */
public final class NodeCopies implements Serializable {
    private static final long serialVersionUID = 1L;

    private int size;
    private int[] partition = new int[256];
    private String[] key = new String[256];
    private long[] digest = new long[256];
    private long[] version = new long[256];
    private long[] expireAt = new long[256];
    private boolean[] valid = new boolean[256];
    private int[] bytes = new int[256];

    public void add(int part, String storageKey, byte[] stored) {
        if (size == key.length) {
            int n = size * 2;
            partition = Arrays.copyOf(partition, n);
            key = Arrays.copyOf(key, n);
            digest = Arrays.copyOf(digest, n);
            version = Arrays.copyOf(version, n);
            expireAt = Arrays.copyOf(expireAt, n);
            valid = Arrays.copyOf(valid, n);
            bytes = Arrays.copyOf(bytes, n);
        }
        Copy c = Copy.of(storageKey, stored);
        partition[size] = part;
        key[size] = storageKey;
        digest[size] = c.digest();
        version[size] = c.version();
        expireAt[size] = c.expireAt();
        valid[size] = c.valid();
        bytes[size] = c.size();
        size++;
    }

    public int size() {
        return size;
    }

    public int partition(int i) {
        return partition[i];
    }

    public String key(int i) {
        return key[i];
    }

    public Copy copy(int i) {
        return new Copy(digest[i], valid[i], version[i], expireAt[i], bytes[i]);
    }
}
