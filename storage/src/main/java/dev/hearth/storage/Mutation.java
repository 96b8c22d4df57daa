package dev.hearth.storage;

import java.nio.charset.StandardCharsets;

/**
 * A read-modify-write on one key: the one statement of memcached's conditional-write semantics (add, replace, cas,
 * append, incr, touch, versioned delete, the meta commands), free of Ignite. The node applies it atomically where the
 * key's primary copy lives, inside an entry processor; hearth-client, whose thin client cannot run one, applies it to
 * the value it read and stores the outcome only if the key still holds that value, else reads again. Plain fields
 * (no record) because Ignite's binary marshaller ships instances between nodes.
 */
public final class Mutation {
    /** What a mutation does. */
    public enum Op {
        ADD, REPLACE, CAS, APPEND, PREPEND, INCR, DECR, TOUCH, DELETE,
        /** Meta get that records state: touch (T), vivify on miss (N), recache (R), win tokens, fetched bit. */
        META_GET,
        /** Meta set: modes set/add/append/prepend/replace, optional CAS compare, invalidate (I), explicit CAS. */
        META_SET,
        /** Meta delete with I: marks the item stale (new CAS, win token cleared) instead of removing it. */
        INVALIDATE,
        /** Incr/decr as memcached does it (in-place padding, CAS compare, vivify with an initial value, TTL). */
        ARITH
    }

    /** Option bits for the meta ops. */
    public static final int OPT_VIVIFY = 0x01;
    public static final int OPT_TOUCH = 0x02;
    public static final int OPT_RECACHE = 0x04;
    public static final int OPT_STALE_OK = 0x08;
    public static final int OPT_COMPARE = 0x10;
    public static final int OPT_NO_UPDATE = 0x20;
    public static final int OPT_DECREMENT = 0x40;

    private Op op;
    private byte[] data;
    private int flags;
    private long expireAt;
    private long compareVersion;
    private long delta;
    // Meta ops only (0 for the classic ones).
    private int options;
    private byte mode;
    private long createExpireAt;
    private long recacheAt;
    private long initial;
    private long explicitVersion;
    /**
     * The longest value an append or prepend may produce (the item size limit of the node that built the
     * mutation); 0 = no limit, which is what a mutation built by a node without this field deserialises to.
     */
    private int maxValueLength;

    private Mutation(Op op, byte[] data, int flags, long expireAt, long compareVersion, long delta) {
        this.op = op;
        this.data = data;
        this.flags = flags;
        this.expireAt = expireAt;
        this.compareVersion = compareVersion;
        this.delta = delta;
    }

    /**
     * A meta get. Options: {@link #OPT_TOUCH} (new expiry {@code touchExpireAt}), {@link #OPT_VIVIFY} (on a miss,
     * create an empty item expiring at {@code vivifyExpireAt} and win), {@link #OPT_RECACHE} (win if the item
     * expires before {@code recacheAt}), {@link #OPT_NO_UPDATE} (do not set the fetched bit).
     * The outcome is {@link Status#WON} when this request got the win token, {@link Status#FOUND} otherwise, or
     * {@link Status#NOT_FOUND}; its item is the item as stored afterwards, except that {@code fetched} tells whether
     * it had been fetched before this request.
     */
    public static Mutation metaGet(int options, long touchExpireAt, long vivifyExpireAt, long recacheAt) {
        Mutation m = new Mutation(Op.META_GET, null, 0, touchExpireAt, 0, 0);
        m.options = options;
        m.createExpireAt = vivifyExpireAt;
        m.recacheAt = recacheAt;
        return m;
    }

    /**
     * A meta set. {@code mode}: 'S' set, 'E' add, 'A' append, 'P' prepend, 'R' replace. With
     * {@link #OPT_COMPARE} set and replace become a compare-and-set against {@code compareVersion}, and append and
     * prepend check it; with {@link #OPT_STALE_OK} as well, a lower {@code compareVersion} than the item's still
     * stores, as a stale item that keeps its expiry and win token. {@code explicitVersion} (0 = none) is the CAS
     * value the stored item gets. {@code maxValueLength}: see {@link #concat}.
     */
    public static Mutation metaSet(char mode, byte[] value, int flags, long expireAt, int options,
            long compareVersion, long explicitVersion, int maxValueLength) {
        Mutation m = new Mutation(Op.META_SET, value, flags, expireAt, compareVersion, 0);
        m.mode = (byte) mode;
        m.options = options;
        m.explicitVersion = explicitVersion;
        m.maxValueLength = maxValueLength;
        return m;
    }

    /**
     * Marks a present item stale: new CAS ({@code explicitVersion} or a fresh one), win token cleared, expiry set to
     * {@code expireAt} with {@link #OPT_TOUCH}. With {@link #OPT_COMPARE} only if the item has
     * {@code compareVersion}. Answers DELETED, EXISTS or NOT_FOUND.
     */
    public static Mutation invalidate(int options, long compareVersion, long expireAt, long explicitVersion) {
        Mutation m = new Mutation(Op.INVALIDATE, null, 0, expireAt, compareVersion, 0);
        m.options = options;
        m.explicitVersion = explicitVersion;
        return m;
    }

    /**
     * memcached's incr/decr: the result replaces the digits in place, padded with spaces when shorter (as
     * memcached does); decrement stops at 0, increment wraps at 2^64. {@link #OPT_DECREMENT},
     * {@link #OPT_COMPARE} ({@code compareVersion}), {@link #OPT_VIVIFY} (a miss stores {@code initial} expiring
     * at {@code vivifyExpireAt}), {@link #OPT_TOUCH} (an existing item gets {@code touchExpireAt}).
     * Answers STORED (item = the new item; its value may carry padding), WON when it created the key (vivify),
     * NOT_FOUND, EXISTS or NON_NUMERIC.
     */
    public static Mutation arith(int options, long delta, long initial, long compareVersion, long vivifyExpireAt,
            long touchExpireAt, long explicitVersion) {
        Mutation m = new Mutation(Op.ARITH, null, 0, touchExpireAt, compareVersion, delta);
        m.options = options;
        m.initial = initial;
        m.createExpireAt = vivifyExpireAt;
        m.explicitVersion = explicitVersion;
        return m;
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

    /**
     * Appends (or prepends) to a present value, keeping its flags and expiry; {@code version} 0 = any. A result
     * longer than {@code maxValueLength} bytes (the item size limit; 0 = none) is refused with NOT_STORED and the
     * value stays as it was, as memcached does: otherwise repeated appends could grow an item without bound.
     */
    public static Mutation concat(byte[] data, boolean append, long version, int maxValueLength) {
        Mutation m = new Mutation(append ? Op.APPEND : Op.PREPEND, data, 0, 0, version, 0);
        m.maxValueLength = maxValueLength;
        return m;
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
            case META_SET -> mode == 'A' || mode == 'P' ? -1 : expireAt;
            case META_GET, INVALIDATE, ARITH -> (options & OPT_TOUCH) != 0 ? expireAt : -1;
            default -> -1;
        };
    }

    /**
     * The expiry a key this mutation creates gets (0 = never): the same as {@link #newExpireAt} except for the ops
     * that create with one expiry and update with another (meta get and arith vivifying a missing key).
     */
    public long createExpireAt() {
        return switch (op) {
            case META_GET, ARITH -> (options & OPT_VIVIFY) != 0 ? createExpireAt : 0;
            default -> Math.max(0, newExpireAt());
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
                byte[] joined = concatenated(current.value(), op == Op.APPEND);
                if (joined == null) {
                    return Outcome.keep(Status.NOT_STORED, current);
                }
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
                    number = Numbers.parseUnsigned(current.value());
                } catch (NumberFormatException e) {
                    return Outcome.keep(Status.NON_NUMERIC, current);
                }
                long result = Numbers.apply(number, delta, op == Op.DECR);
                byte[] text = Long.toUnsignedString(result).getBytes(StandardCharsets.US_ASCII);
                return Outcome.write(Status.STORED,
                        new Item(text, current.flags(), newVersion, current.expireAt(), current.stale()));
            }
            case TOUCH:
                return current == null ? Outcome.keep(Status.NOT_FOUND, null)
                        : Outcome.write(Status.TOUCHED, new Item(current.value(), current.flags(),
                                current.version(), expireAt, current.stale(), current.tokenSent(),
                                current.fetched()));
            case DELETE:
                if (current == null) {
                    return Outcome.keep(Status.NOT_FOUND, null);
                }
                return compareVersion != 0 && current.version() != compareVersion
                        ? Outcome.keep(Status.EXISTS, current) : Outcome.remove(Status.DELETED, current);
            case META_GET:
                return metaGet(current, newVersion);
            case META_SET:
                return metaSet(current, explicitVersion != 0 ? explicitVersion : newVersion);
            case INVALIDATE:
                if (current == null) {
                    return Outcome.keep(Status.NOT_FOUND, null);
                }
                if ((options & OPT_COMPARE) != 0 && current.version() != compareVersion) {
                    return Outcome.keep(Status.EXISTS, current);
                }
                return Outcome.write(Status.DELETED, new Item(current.value(), current.flags(),
                        explicitVersion != 0 ? explicitVersion : newVersion,
                        (options & OPT_TOUCH) != 0 ? expireAt : current.expireAt(), true, false, current.fetched()));
            case ARITH:
                return arith(current, explicitVersion != 0 ? explicitVersion : newVersion);
            default:
                throw new IllegalStateException("unknown op " + op);
        }
    }

    private Outcome metaGet(Item current, long newVersion) {
        if (current == null) {
            if ((options & OPT_VIVIFY) == 0) {
                return Outcome.keep(Status.NOT_FOUND, null);
            }
            return Outcome.write(Status.WON, new Item(new byte[0], 0, newVersion, createExpireAt, false, true, false));
        }
        boolean won = false;
        if ((options & OPT_RECACHE) != 0 && !current.tokenSent() && current.expireAt() != 0
                && current.expireAt() < recacheAt) {
            won = true;
        }
        if (current.stale() && !current.tokenSent()) {
            won = true;
        }
        long exp = (options & OPT_TOUCH) != 0 ? expireAt : current.expireAt();
        boolean fetched = current.fetched() || (options & OPT_NO_UPDATE) == 0;
        Item after = new Item(current.value(), current.flags(), current.version(), exp, current.stale(),
                current.tokenSent() || won, fetched);
        Item seen = new Item(after.value(), after.flags(), after.version(), after.expireAt(), after.stale(),
                after.tokenSent(), current.fetched());
        Status status = won ? Status.WON : Status.FOUND;
        boolean changed = won || exp != current.expireAt() || fetched != current.fetched();
        return changed ? new Outcome(status, seen, Action.WRITE, after) : Outcome.keep(status, seen);
    }

    private Outcome metaSet(Item current, long version) {
        char m = (char) mode;
        boolean compare = (options & OPT_COMPARE) != 0;
        if (compare && (m == 'S' || m == 'R')) {
            if (current == null) {
                return Outcome.keep(Status.NOT_FOUND, null);
            }
            if (current.version() == compareVersion) {
                return Outcome.write(Status.STORED, new Item(data, flags, version, expireAt, false));
            }
            if ((options & OPT_STALE_OK) != 0 && Long.compareUnsigned(compareVersion, current.version()) < 0) {
                return Outcome.write(Status.STORED, new Item(data, flags, version, current.expireAt(), true,
                        current.tokenSent(), false));
            }
            return Outcome.keep(Status.EXISTS, current);
        }
        switch (m) {
            case 'S':
                return Outcome.write(Status.STORED, new Item(data, flags, version, expireAt, false));
            case 'E':
                return current != null ? Outcome.keep(Status.NOT_STORED, current)
                        : Outcome.write(Status.STORED, new Item(data, flags, version, expireAt, false));
            case 'R':
                return current == null ? Outcome.keep(Status.NOT_STORED, null)
                        : Outcome.write(Status.STORED, new Item(data, flags, version, expireAt, false));
            case 'A':
            case 'P': {
                if (current == null) {
                    return Outcome.keep(Status.NOT_STORED, null);
                }
                if (compare && current.version() != compareVersion) {
                    return Outcome.keep(Status.EXISTS, current);
                }
                byte[] joined = concatenated(current.value(), m == 'A');
                if (joined == null) {
                    return Outcome.keep(Status.NOT_STORED, current);
                }
                return Outcome.write(Status.STORED, new Item(joined, current.flags(), version, current.expireAt(),
                        false));
            }
            default:
                throw new IllegalStateException("unknown meta set mode " + m);
        }
    }

    /**
     * The one place the size rule of append and prepend (classic and meta) lives: {@code old} joined with this
     * mutation's data, or null when the result would be longer than {@link #maxValueLength}.
     */
    private byte[] concatenated(byte[] old, boolean append) {
        long length = (long) old.length + data.length;
        long limit = maxValueLength > 0 ? maxValueLength : Integer.MAX_VALUE - 8; // else: the largest Java array
        if (length > limit) {
            return null;
        }
        byte[] joined = new byte[(int) length];
        byte[] first = append ? old : data;
        byte[] second = append ? data : old;
        System.arraycopy(first, 0, joined, 0, first.length);
        System.arraycopy(second, 0, joined, first.length, second.length);
        return joined;
    }

    private Outcome arith(Item current, long version) {
        if (current == null) {
            if ((options & OPT_VIVIFY) == 0) {
                return Outcome.keep(Status.NOT_FOUND, null);
            }
            byte[] text = Long.toUnsignedString(initial).getBytes(StandardCharsets.US_ASCII);
            return Outcome.write(Status.WON, new Item(text, 0, version, createExpireAt, false));
        }
        if ((options & OPT_COMPARE) != 0 && current.version() != compareVersion) {
            return Outcome.keep(Status.EXISTS, current);
        }
        byte[] value = current.value();
        long number;
        try {
            number = Numbers.strtoull(value);
        } catch (NumberFormatException e) {
            return Outcome.keep(Status.NON_NUMERIC, current);
        }
        long result = Numbers.apply(number, delta, (options & OPT_DECREMENT) != 0);
        byte[] digits = Long.toUnsignedString(result).getBytes(StandardCharsets.US_ASCII);
        byte[] text = digits;
        if (digits.length < value.length) {
            // memcached rewrites the digits in place and pads what is left with spaces
            text = new byte[value.length];
            java.util.Arrays.fill(text, (byte) ' ');
            System.arraycopy(digits, 0, text, 0, digits.length);
        }
        long exp = (options & OPT_TOUCH) != 0 ? expireAt : current.expireAt();
        return Outcome.write(Status.STORED, new Item(text, current.flags(), version, exp, current.stale(),
                current.tokenSent(), current.fetched()));
    }

    /** The result of one operation, in memcached's vocabulary. */
    public enum Status {
        STORED, NOT_STORED, EXISTS, NOT_FOUND, DELETED, TOUCHED, NON_NUMERIC,
        /** Meta get: found, no win token for this request. */
        FOUND,
        /** Meta get: this request won the token to recache (or created the item with N). */
        WON
    }

    /**
     * What applying a mutation decided.
     *
     * @param status the answer for the caller
     * @param item the item now stored (after a write), the item that blocked the write, or null
     * @param action whether to write {@code item}, remove the key, or leave it
     * @param stored what to write when it differs from {@code item} (meta get), else null
     */
    public record Outcome(Status status, Item item, Action action, Item stored) {
        /** An outcome that writes {@code item} itself, if anything. */
        public Outcome(Status status, Item item, Action action) {
            this(status, item, action, null);
        }

        /** The item to write for {@link Action#WRITE}. */
        public Item toStore() {
            return stored != null ? stored : item;
        }

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
