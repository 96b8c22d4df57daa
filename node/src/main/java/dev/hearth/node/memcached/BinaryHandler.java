package dev.hearth.node.memcached;

import dev.hearth.storage.Mutation;
import dev.hearth.storage.TenantKey;
import io.netty.channel.ChannelHandlerContext;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Executes binary-protocol requests against the cache service, answering as memcached 1.6 does (statuses, quiet
 * variants, CAS in the header, flags in the extras). In tenantMode authenticated a connection must pass SASL PLAIN
 * before anything but VERSION and the SASL commands; its keys then all belong to the authenticated tenant, and so do
 * its FLUSH (that tenant's keys only) and STAT (that tenant's counters only). SASL runs only over TLS unless
 * memcached.saslOverPlaintext; memcached.maxAuthFailures failed attempts close the connection.
 */
final class BinaryHandler extends RequestHandler<BinaryRequest> {
    private static final byte[] EMPTY = new byte[0];

    BinaryHandler(Endpoint endpoint) {
        super(endpoint, BinaryRequest.class);
    }

    @Override
    Object failed(BinaryRequest req, CommandFailure f) {
        int status = switch (f.kind()) {
            case TENANT_UNAVAILABLE, UNAVAILABLE -> Binary.ETMPFAIL;
            case TOO_LARGE -> Binary.E2BIG;
            case INTERNAL -> Binary.EINTERNAL;
        };
        byte[] message = f.kind() == CommandFailure.Kind.TOO_LARGE ? Binary.message(Binary.E2BIG)
                : f.message().getBytes(StandardCharsets.UTF_8);
        return new BinaryResponse(req.opcode(), status, EMPTY, EMPTY, message, req.opaque(), 0);
    }

    @Override
    long replySize(Object reply) {
        return reply instanceof BinaryResponse r
                ? (long) BinaryDecoder.HEADER + r.extras().length + r.key().length + r.value().length : 0;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, BinaryRequest req) {
        if (queue.closed()) {
            return;
        }
        endpoint.ops.record("memcached.binary", req.rejected() ? "rejected" : "request");
        int op = Binary.loud(req.opcode());
        boolean read = !req.rejected() && (op == Binary.GET || op == Binary.GETK || op == Binary.NOOP
                || op == Binary.VERSION || op == Binary.STAT && !changesCounters(req.key()));
        // A read of a value reserves room for the largest one; other answers are small and counted once known.
        boolean value = !req.rejected() && (op == Binary.GET || op == Binary.GETK || op == Binary.GAT
                || op == Binary.GATK);
        submit(req, value ? endpoint.valueRoom : 0, !read, () -> execute(req));
    }

    /** STAT "detail ..." and "reset" change the listener's counters: they are ordered like writes. */
    private static boolean changesCounters(byte[] statKey) {
        String sub = new String(statKey, StandardCharsets.ISO_8859_1);
        return sub.startsWith("detail") || sub.startsWith("reset");
    }

    private static BinaryResponse ok(BinaryRequest r, byte[] extras, byte[] key, byte[] value, long cas) {
        return new BinaryResponse(r.opcode(), Binary.OK, extras, key, value, r.opaque(), cas);
    }

    private static BinaryResponse error(BinaryRequest r, int status) {
        return new BinaryResponse(r.opcode(), status, EMPTY, EMPTY, Binary.message(status), r.opaque(), 0);
    }

    private static byte[] flagsExtras(int flags) {
        return ByteBuffer.allocate(4).putInt(flags).array();
    }

    private CompletableFuture<?> execute(BinaryRequest r) {
        if (auth.cutOff()) {
            return now(null); // the connection closes after the answer that cut it off
        }
        MemcachedStats st = stats();
        if (r.rejected()) {
            st.protocolErrors.increment();
            if (r.rejectStatus() < 0) {
                return now(ResponseQueue.CLOSE);
            }
            BinaryResponse e = error(r, r.rejectStatus());
            if (r.rejectStatus() == Binary.E2BIG && r.key().length > 0) {
                return tooLarge(r, e);
            }
            return now(r.closeAfter() ? List.of(e, ResponseQueue.CLOSE) : e);
        }
        int op = Binary.loud(r.opcode());
        boolean quiet = Binary.quiet(r.opcode());
        if (endpoint.tenancy.requiresAuth() && auth.user() == null && op != Binary.SASL_LIST_MECHS
                && op != Binary.SASL_AUTH && op != Binary.SASL_STEP && op != Binary.VERSION) {
            st.authErrors.increment();
            return now(List.of(error(r, Binary.AUTH_ERROR), ResponseQueue.CLOSE));
        }
        long nowMs = System.currentTimeMillis();
        switch (op) {
            case Binary.NOOP:
                return now(ok(r, EMPTY, EMPTY, EMPTY, 0));
            case Binary.VERSION:
                return now(ok(r, EMPTY, EMPTY, MemcachedServer.VERSION.getBytes(StandardCharsets.US_ASCII), 0));
            case Binary.QUIT:
                return now(quiet ? ResponseQueue.CLOSE : List.of(ok(r, EMPTY, EMPTY, EMPTY, 0), ResponseQueue.CLOSE));
            case Binary.FLUSH:
                return flush(r, quiet);
            case Binary.SASL_LIST_MECHS:
                if (!endpoint.tenancy.requiresAuth()) {
                    return now(error(r, Binary.UNKNOWN_COMMAND));
                }
                if (!auth.transportAllowed()) {
                    return now(plaintextRefused(r));
                }
                return now(ok(r, EMPTY, EMPTY, "PLAIN".getBytes(StandardCharsets.US_ASCII), 0));
            case Binary.SASL_AUTH:
            case Binary.SASL_STEP:
                return sasl(r);
            case Binary.STAT:
                return now(stats(r));
            case Binary.GET:
            case Binary.GETK:
                return get(r, op, quiet, st);
            case Binary.TOUCH:
            case Binary.GAT:
            case Binary.GATK:
                return touch(r, op, quiet, st, nowMs);
            case Binary.SET:
            case Binary.ADD:
            case Binary.REPLACE:
                return update(r, op, quiet, nowMs);
            case Binary.APPEND:
            case Binary.PREPEND:
                return concat(r, op, quiet, st);
            case Binary.DELETE:
                return delete(r, quiet, st);
            case Binary.INCREMENT:
            case Binary.DECREMENT:
                return arith(r, op, quiet, st, nowMs);
            default:
                return now(error(r, Binary.UNKNOWN_COMMAND));
        }
    }

    /** FLUSH: the connection's tenant's keys once authenticated (no delay then), else every key after the delay. */
    private CompletableFuture<?> flush(BinaryRequest r, boolean quiet) {
        long delay = r.extras().length == 4 ? Integer.toUnsignedLong(ByteBuffer.wrap(r.extras()).getInt()) : 0;
        if (endpoint.tenancy.requiresAuth()) {
            if (delay != 0) {
                return now(new BinaryResponse(r.opcode(), Binary.EINVAL, EMPTY, EMPTY,
                        Endpoint.DELAYED_FLUSH_REFUSED.getBytes(StandardCharsets.US_ASCII), r.opaque(), 0));
            }
            return endpoint.flushTenant(auth.user(), auth.who())
                    .thenApply(v -> quiet ? null : ok(r, EMPTY, EMPTY, EMPTY, 0));
        }
        return endpoint.flush(delay).thenApply(v -> quiet ? null : ok(r, EMPTY, EMPTY, EMPTY, 0));
    }

    /** GET, GETK and their quiet forms. */
    private CompletableFuture<?> get(BinaryRequest r, int op, boolean quiet, MemcachedStats st) {
        st.cmdGet.increment();
        boolean withKey = op == Binary.GETK;
        return cache().get(key(r.key())).thenApply(item -> {
            st.prefixes.recordGet(r.key(), item != null);
            (item != null ? st.getHits : st.getMisses).increment();
            return item != null ? ok(r, flagsExtras(item.flags()), withKey ? r.key() : EMPTY, item.value(),
                    item.version()) : miss(r, quiet, withKey);
        });
    }

    /** TOUCH, GAT, GATK: a new expiry, and the value for the GATs. */
    private CompletableFuture<?> touch(BinaryRequest r, int op, boolean quiet, MemcachedStats st, long nowMs) {
        st.cmdTouch.increment();
        long expireAt = Expiry.fromUnsigned(ByteBuffer.wrap(r.extras()).getInt(), nowMs);
        return cache().getAndTouch(key(r.key()), expireAt).thenApply(item -> {
            st.prefixes.recordGet(r.key(), item != null); // memcached counts touches as gets here
            (item != null ? st.touchHits : st.touchMisses).increment();
            if (item == null) {
                return miss(r, quiet, op == Binary.GATK);
            }
            if (op == Binary.TOUCH) {
                return ok(r, flagsExtras(item.flags()), EMPTY, EMPTY, item.version());
            }
            return ok(r, flagsExtras(item.flags()), op == Binary.GATK ? r.key() : EMPTY, item.value(),
                    item.version());
        });
    }

    /** APPEND, PREPEND (with CAS when given), bounded by the item size limit. */
    private CompletableFuture<?> concat(BinaryRequest r, int op, boolean quiet, MemcachedStats st) {
        st.cmdSet.increment();
        st.prefixes.recordSet(r.key());
        Mutation m = Mutation.metaSet(op == Binary.APPEND ? 'A' : 'P', r.value(), 0, 0,
                r.cas() != 0 ? Mutation.OPT_COMPARE : 0, r.cas(), 0, endpoint.maxItemSize);
        return cache().mutate(key(r.key()), m).thenApply(o -> switch (o.status()) {
            case STORED -> quiet ? null : ok(r, EMPTY, EMPTY, EMPTY, o.item().version());
            case EXISTS -> error(r, Binary.KEY_EEXISTS);
            default -> error(r, Binary.NOT_STORED);
        });
    }

    /** INCREMENT, DECREMENT: the initial value with an expiry of -1 meaning "do not create". */
    private CompletableFuture<?> arith(BinaryRequest r, int op, boolean quiet, MemcachedStats st, long nowMs) {
        ByteBuffer x = ByteBuffer.wrap(r.extras());
        long delta = x.getLong();
        long initial = x.getLong();
        int exp = x.getInt();
        boolean decr = op == Binary.DECREMENT;
        boolean vivify = exp != -1;
        int opts = (decr ? Mutation.OPT_DECREMENT : 0) | (vivify ? Mutation.OPT_VIVIFY : 0)
                | (r.cas() != 0 ? Mutation.OPT_COMPARE : 0);
        Mutation m = Mutation.arith(opts, delta, initial, r.cas(),
                vivify ? Expiry.fromUnsigned(exp, nowMs) : 0, 0, 0);
        return cache().mutate(key(r.key()), m).thenApply(o -> {
            boolean hit = o.status() == Mutation.Status.STORED;
            (decr ? (hit ? st.decrHits : st.decrMisses) : (hit ? st.incrHits : st.incrMisses)).increment();
            switch (o.status()) {
                case STORED:
                case WON: {
                    if (quiet) {
                        return null;
                    }
                    long v = Long.parseUnsignedLong(TextHandler.digits(o.item().value()));
                    return ok(r, EMPTY, EMPTY, ByteBuffer.allocate(8).putLong(v).array(),
                            o.item().version());
                }
                case NON_NUMERIC:
                    return error(r, Binary.DELTA_BADVAL);
                case EXISTS:
                    return error(r, Binary.KEY_EEXISTS);
                default:
                    return error(r, Binary.KEY_ENOENT);
            }
        });
    }

    /** DELETE, with CAS when given. */
    private CompletableFuture<?> delete(BinaryRequest r, boolean quiet, MemcachedStats st) {
        st.prefixes.recordDelete(r.key());
        return cache().mutate(key(r.key()), Mutation.delete(r.cas())).thenApply(o -> {
            boolean hit = o.status() == Mutation.Status.DELETED;
            (hit ? st.deleteHits : st.deleteMisses).increment();
            return switch (o.status()) {
                case DELETED -> quiet ? null : ok(r, EMPTY, EMPTY, EMPTY, 0);
                case EXISTS -> error(r, Binary.KEY_EEXISTS);
                default -> error(r, Binary.KEY_ENOENT);
            };
        });
    }

    /**
     * A storage command whose value is over the item size limit (its value was swallowed). memcached counts it in
     * the detail stats and, for SET (quiet or not, with or without CAS), removes the key's old value, so that no
     * reader sees the value the client meant to replace.
     */
    private CompletableFuture<?> tooLarge(BinaryRequest r, BinaryResponse answer) {
        if (endpoint.tenancy.requiresAuth() && auth.user() == null) {
            return now(answer); // no tenant to act in yet; the next command gets the auth failure
        }
        stats().prefixes.recordSet(r.key());
        if (Binary.loud(r.opcode()) != Binary.SET) {
            return now(answer);
        }
        return cache().mutate(key(r.key()), Mutation.delete(0)).thenApply(o -> answer);
    }

    private static Object miss(BinaryRequest r, boolean quiet, boolean withKey) {
        if (quiet) {
            return null;
        }
        if (withKey) {
            return new BinaryResponse(r.opcode(), Binary.KEY_ENOENT, EMPTY, r.key(), EMPTY, r.opaque(), 0);
        }
        return error(r, Binary.KEY_ENOENT);
    }

    private CompletableFuture<?> update(BinaryRequest r, int op, boolean quiet, long nowMs) {
        MemcachedStats st = stats();
        st.cmdSet.increment();
        st.prefixes.recordSet(r.key());
        ByteBuffer x = ByteBuffer.wrap(r.extras());
        int flags = x.getInt();
        long expireAt = Expiry.fromUnsigned(x.getInt(), nowMs);
        TenantKey k = key(r.key());
        if (op == Binary.SET && r.cas() == 0) {
            return cache().set(k, r.value(), flags, expireAt)
                    .thenApply(item -> quiet ? null : ok(r, EMPTY, EMPTY, EMPTY, item.version()));
        }
        Mutation m;
        if (r.cas() != 0) {
            m = Mutation.cas(r.value(), flags, expireAt, r.cas());
        } else if (op == Binary.ADD) {
            m = Mutation.add(r.value(), flags, expireAt);
        } else {
            m = Mutation.replace(r.value(), flags, expireAt);
        }
        return cache().mutate(k, m).thenApply(o -> {
            if (r.cas() != 0) {
                switch (o.status()) {
                    case STORED -> st.casHits.increment();
                    case EXISTS -> st.casBadval.increment();
                    default -> st.casMisses.increment();
                }
            }
            return switch (o.status()) {
                case STORED -> quiet ? null : ok(r, EMPTY, EMPTY, EMPTY, o.item().version());
                case EXISTS -> error(r, Binary.KEY_EEXISTS);
                case NOT_FOUND -> error(r, Binary.KEY_ENOENT);
                default -> error(r, op == Binary.ADD ? Binary.KEY_EEXISTS
                        : op == Binary.REPLACE ? Binary.KEY_ENOENT : Binary.NOT_STORED);
            };
        });
    }

    private Object stats(BinaryRequest r) {
        String sub = new String(r.key(), StandardCharsets.ISO_8859_1);
        Map<String, String> m;
        String tenant = auth.user();
        if (sub.isEmpty()) {
            m = tenant != null ? endpoint.tenantGeneralStats(tenant) : endpoint.generalStats();
        } else if (sub.equals("settings")) {
            m = endpoint.settingsStats();
        } else if (sub.startsWith("reset")) { // memcached compares the first 5 bytes only
            stats().prefixes.clear();
            m = Map.of();
        } else if (sub.startsWith("detail")) {
            return statsDetail(r, sub.substring("detail".length()));
        } else if (sub.equals("items") || sub.equals("slabs")) {
            m = Map.of();
        } else {
            return error(r, Binary.KEY_ENOENT);
        }
        List<Object> out = new ArrayList<>();
        m.forEach((k, v) -> out.add(ok(r, EMPTY, k.getBytes(StandardCharsets.US_ASCII),
                v.getBytes(StandardCharsets.US_ASCII), 0)));
        out.add(ok(r, EMPTY, EMPTY, EMPTY, 0));
        return out;
    }

    /**
     * memcached's binary "detail on|off|dump": it compares only as many bytes as the word has, so "detail onx"
     * turns counting on too. The dump is one STAT packet with key "detailed" and the text protocol's dump (PREFIX
     * lines and END) as its value.
     */
    private Object statsDetail(BinaryRequest r, String rest) {
        PrefixStats prefixes = stats().prefixes;
        BinaryResponse end = ok(r, EMPTY, EMPTY, EMPTY, 0);
        if (rest.startsWith(" dump")) {
            return List.of(ok(r, EMPTY, "detailed".getBytes(StandardCharsets.US_ASCII), prefixes.dump(), 0), end);
        } else if (rest.startsWith(" on")) {
            prefixes.enable(true);
        } else if (rest.startsWith(" off")) {
            prefixes.enable(false);
        } else {
            return error(r, Binary.KEY_ENOENT);
        }
        return end;
    }

    /**
     * SASL PLAIN in one step: "[authzid] NUL user NUL password"; the user is the tenant. The password check runs
     * off the event loop ({@link Credentials#verify}); this command is ordered like a write, so the connection's
     * next command starts only once it is answered, and a connection has at most one check running.
     */
    private CompletableFuture<?> sasl(BinaryRequest r) {
        if (!endpoint.tenancy.requiresAuth()) {
            return now(error(r, Binary.UNKNOWN_COMMAND));
        }
        if (!auth.transportAllowed()) {
            return now(plaintextRefused(r));
        }
        String mech = new String(r.key(), StandardCharsets.US_ASCII);
        if (Binary.loud(r.opcode()) == Binary.SASL_AUTH && mech.equals("PLAIN")) {
            byte[] v = r.value();
            int first = indexOf(v, 0);
            int second = first < 0 ? -1 : indexOf(v, first + 1);
            if (second > 0) {
                String authzid = new String(v, 0, first, StandardCharsets.UTF_8);
                String name = new String(v, first + 1, second - first - 1, StandardCharsets.UTF_8);
                byte[] password = java.util.Arrays.copyOfRange(v, second + 1, v.length);
                if (authzid.isEmpty() || authzid.equals(name)) {
                    return auth.authenticate(name, password).thenApply(result -> saslAnswer(r, result));
                }
                return now(saslAnswer(r, auth.fail(name)));
            }
        }
        return now(saslAnswer(r, auth.fail(null)));
    }

    private Object saslAnswer(BinaryRequest r, ConnectionAuth.Result result) {
        return switch (result) {
            case AUTHENTICATED -> ok(r, EMPTY, EMPTY, "Authenticated".getBytes(StandardCharsets.US_ASCII), 0);
            case FAILED -> error(r, Binary.AUTH_ERROR);
            case CUT_OFF -> List.of(new BinaryResponse(r.opcode(), Binary.AUTH_ERROR, EMPTY, EMPTY,
                    ("Too many failed authentications (" + auth.failures() + "); closing the connection")
                            .getBytes(StandardCharsets.US_ASCII), r.opaque(), 0), ResponseQueue.CLOSE);
        };
    }

    /** SASL on a connection without TLS while memcached.saslOverPlaintext is off: refused, the connection closed. */
    private static Object plaintextRefused(BinaryRequest r) {
        return List.of(new BinaryResponse(r.opcode(), Binary.AUTH_ERROR, EMPTY, EMPTY,
                ConnectionAuth.PLAINTEXT_REFUSED.getBytes(StandardCharsets.US_ASCII), r.opaque(), 0),
                ResponseQueue.CLOSE);
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        return -1;
    }
}
