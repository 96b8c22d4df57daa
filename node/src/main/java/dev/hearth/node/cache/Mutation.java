package dev.hearth.node.cache;

import java.nio.charset.StandardCharsets;

/**
 * A read-modify-write on one key, applied atomically where the key's primary copy lives. The semantics are here,
 * free of Ignite, so they can be tested alone; the cluster package only runs {@link #apply} inside an entry
 * processor. Plain mutable fields (no record) because Ignite's binary marshaller ships instances between nodes.
 */
public final class Mutation {
    /** What a mutation does. */
    public enum Op {
        ADD, REPLACE, CAS, APPEND, PREPEND, INCR, DECR, TOUCH, DELETE
    }

    private Op op;
    private byte[] data;
    private int flags;
    private long expireAt;
    private long compareVersion;
    private long delta;

    private Mutation(Op op, byte[] data, int flags, long expireAt, long compareVersion, long delta) {
        this.op = op;
        this.data = data;
        this.flags = flags;
        this.expireAt = expireAt;
        this.compareVersion = compareVersion;
        this.delta = delta;
    }

    /** Stores only if the key is absent. */
    public static Mutation add(byte[] value, int flags, long expireAt) {
        return new Mutation(Op.ADD, value, flags, expireAt, 0, 0);
    }

    /** Stores only if the key is present. */
    public static Mutation replace(byte[] value, int flags, long expireAt) {
        return new Mutation(Op.REPLACE, value, flags, expireAt, 0, 0);
    }

    /** Stores only if the key is present with exactly {@code version}. */
    public static Mutation cas(byte[] value, int flags, long expireAt, long version) {
        return new Mutation(Op.CAS, value, flags, expireAt, version, 0);
    }

    /** Appends (or prepends) to a present value, keeping its flags and expiry; {@code version} 0 = any. */
    public static Mutation concat(byte[] data, boolean append, long version) {
        return new Mutation(append ? Op.APPEND : Op.PREPEND, data, 0, 0, version, 0);
    }

    /** Adds {@code delta} (an unsigned 64-bit number) to, or subtracts it from, a decimal value. */
    public static Mutation delta(long delta, boolean decrement) {
        return new Mutation(decrement ? Op.DECR : Op.INCR, null, 0, 0, 0, delta);
    }

    /** Sets a new expiry on a present key. */
    public static Mutation touch(long expireAt) {
        return new Mutation(Op.TOUCH, null, 0, expireAt, 0, 0);
    }

    /** Deletes the key; {@code version} 0 = whatever it holds. */
    public static Mutation delete(long version) {
        return new Mutation(Op.DELETE, null, 0, 0, version, 0);
    }

    public Op op() {
        return op;
    }

    /** The expiry this mutation gives the key, or -1 when it keeps the key's current expiry. */
    public long newExpireAt() {
        return switch (op) {
            case ADD, REPLACE, CAS, TOUCH -> expireAt;
            default -> -1;
        };
    }

    /**
     * @param current the live item, or null when the key is absent (or expired, or damaged)
     * @param nowMillis the wall clock on the node applying it
     * @param newVersion the version a write gets
     */
    public Outcome apply(Item current, long nowMillis, long newVersion) {
        if (current != null && current.isExpired(nowMillis)) {
            current = null;
        }
        switch (op) {
            case ADD:
                return current != null ? Outcome.keep(Status.NOT_STORED, current)
                        : Outcome.write(Status.STORED, new Item(data, flags, newVersion, expireAt, false));
            case REPLACE:
                return current == null ? Outcome.keep(Status.NOT_STORED, null)
                        : Outcome.write(Status.STORED, new Item(data, flags, newVersion, expireAt, false));
            case CAS:
                if (current == null) {
                    return Outcome.keep(Status.NOT_FOUND, null);
                }
                return current.version() != compareVersion ? Outcome.keep(Status.EXISTS, current)
                        : Outcome.write(Status.STORED, new Item(data, flags, newVersion, expireAt, false));
            case APPEND:
            case PREPEND: {
                if (current == null) {
                    return Outcome.keep(Status.NOT_STORED, null);
                }
                if (compareVersion != 0 && current.version() != compareVersion) {
                    return Outcome.keep(Status.EXISTS, current);
                }
                byte[] old = current.value();
                byte[] joined = new byte[old.length + data.length];
                byte[] first = op == Op.APPEND ? old : data;
                byte[] second = op == Op.APPEND ? data : old;
                System.arraycopy(first, 0, joined, 0, first.length);
                System.arraycopy(second, 0, joined, first.length, second.length);
                return Outcome.write(Status.STORED,
                        new Item(joined, current.flags(), newVersion, current.expireAt(), current.stale()));
            }
            case INCR:
            case DECR: {
                if (current == null) {
                    return Outcome.keep(Status.NOT_FOUND, null);
                }
                long number;
                try {
                    number = parseUnsigned(current.value());
                } catch (NumberFormatException e) {
                    return Outcome.keep(Status.NON_NUMERIC, current);
                }
                long result;
                if (op == Op.INCR) {
                    result = number + delta; // wraps at 2^64 like memcached
                } else {
                    result = Long.compareUnsigned(delta, number) >= 0 ? 0 : number - delta;
                }
                byte[] text = Long.toUnsignedString(result).getBytes(StandardCharsets.US_ASCII);
                return Outcome.write(Status.STORED,
                        new Item(text, current.flags(), newVersion, current.expireAt(), current.stale()));
            }
            case TOUCH:
                return current == null ? Outcome.keep(Status.NOT_FOUND, null)
                        : Outcome.write(Status.TOUCHED, new Item(current.value(), current.flags(),
                                current.version(), expireAt, current.stale()));
            case DELETE:
                if (current == null) {
                    return Outcome.keep(Status.NOT_FOUND, null);
                }
                return compareVersion != 0 && current.version() != compareVersion
                        ? Outcome.keep(Status.EXISTS, current) : Outcome.remove(Status.DELETED, current);
            default:
                throw new IllegalStateException("unknown op " + op);
        }
    }

    /** memcached accepts up to 20 digits (with trailing spaces, which its decr leaves behind). */
    static long parseUnsigned(byte[] value) {
        int end = value.length;
        while (end > 0 && (value[end - 1] == ' ' || value[end - 1] == '\r' || value[end - 1] == '\n')) {
            end--;
        }
        if (end == 0 || end > 20) {
            throw new NumberFormatException();
        }
        for (int i = 0; i < end; i++) {
            if (value[i] < '0' || value[i] > '9') {
                throw new NumberFormatException();
            }
        }
        return Long.parseUnsignedLong(new String(value, 0, end, StandardCharsets.US_ASCII));
    }

    /** The result of one operation, in memcached's vocabulary. */
    public enum Status {
        STORED, NOT_STORED, EXISTS, NOT_FOUND, DELETED, TOUCHED, NON_NUMERIC
    }

    /**
     * What applying a mutation decided.
     *
     * @param status the answer for the caller
     * @param item the item now stored (after a write), the item that blocked the write, or null
     * @param action whether to write {@code item}, remove the key, or leave it
     */
    public record Outcome(Status status, Item item, Action action) {
        static Outcome keep(Status s, Item current) {
            return new Outcome(s, current, Action.KEEP);
        }

        static Outcome write(Status s, Item item) {
            return new Outcome(s, item, Action.WRITE);
        }

        static Outcome remove(Status s, Item old) {
            return new Outcome(s, old, Action.REMOVE);
        }
    }

    /** What happens to the stored entry. */
    public enum Action {
        KEEP, WRITE, REMOVE
    }
}
