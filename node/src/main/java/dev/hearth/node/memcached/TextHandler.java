package dev.hearth.node.memcached;

import dev.hearth.storage.Item;
import dev.hearth.storage.Mutation;
import dev.hearth.storage.TenantKey;
import io.netty.channel.ChannelHandlerContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Executes text and meta commands against the cache service. Never blocks: every command becomes a future whose
 * answer the connection's {@link ResponseQueue} writes in request order.
 *
 * <p>In tenantMode authenticated a connection authenticates first, as with memcached's auth file ({@code -Y}): a
 * {@code set} whose value is "user password" (key, flags and exptime ignored) answers {@code STORED}, or
 * {@code CLIENT_ERROR authentication failure}; any other command before that answers
 * {@code CLIENT_ERROR unauthenticated} and closes the connection. The rules of {@link ConnectionAuth} apply (TLS,
 * failures). Its keys, flush_all and stats are then the tenant's, as in the binary protocol.
 */
final class TextHandler extends RequestHandler<TextRequest> {
    static final String NON_NUMERIC = "CLIENT_ERROR cannot increment or decrement non-numeric value";

    private final MetaCommands meta = new MetaCommands(this);

    TextHandler(Endpoint endpoint) {
        super(endpoint, TextRequest.class);
    }

    @Override
    Object failed(TextRequest request, CommandFailure f) {
        return line("SERVER_ERROR " + (f.kind() == CommandFailure.Kind.INTERNAL
                ? f.type().getSimpleName() + ": " + f.message() : f.message()));
    }

    @Override
    long replySize(Object reply) {
        return reply instanceof TextReply r ? r.bytes() : 0;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, TextRequest req) {
        if (queue.closed()) {
            return;
        }
        endpoint.ops.record("memcached.text", req.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT));
        boolean write = isWrite(req);
        if (req instanceof TextRequest.Get g && g.keys().size() > endpoint.keysPerPart) {
            // Answered in parts, each reserving room for its values only once the part before has made room.
            List<byte[]> keys = g.keys();
            long nowMs = System.currentTimeMillis();
            for (int from = 0; from < keys.size(); from += endpoint.keysPerPart) {
                List<byte[]> part = keys.subList(from, Math.min(keys.size(), from + endpoint.keysPerPart));
                boolean end = from + part.size() == keys.size();
                submit(req, part.size() * endpoint.valueRoom, write, () -> get(g, part, end, nowMs));
            }
            return;
        }
        submit(req, room(req), write, () -> execute(req));
    }

    /** The room a request's answer may need: a value per key for reads, nothing ahead for the rest. */
    private long room(TextRequest req) {
        if (req instanceof TextRequest.Get g) {
            return (long) g.keys().size() * endpoint.valueRoom;
        }
        if (req instanceof TextRequest.Meta m && m.command() == 'g') {
            return endpoint.valueRoom;
        }
        return 0;
    }

    /** Whether the command changes the cache (it then waits for every earlier command; see {@link Sequencer}). */
    private static boolean isWrite(TextRequest req) {
        if (req instanceof TextRequest.Get g) {
            return g.touch();
        }
        if (req instanceof TextRequest.Meta m) {
            MetaFlags f = m.flags();
            return m.command() != 'g' || f.touch() || f.vivify() || f.recache() || f.has('h') || f.has('l');
        }
        if (req instanceof TextRequest.Stats s) {
            // These change the listener's counters: ordered like writes, so "stats detail dump" counts every
            // command sent before it, and a command sent after "stats detail on" is counted.
            return s.sub().equals("detail") || s.sub().equals("reset");
        }
        return !(req instanceof TextRequest.MetaDebug || req instanceof TextRequest.Version
                || req instanceof TextRequest.MetaNoop
                || req instanceof TextRequest.Reply || req instanceof TextRequest.Verbosity);
    }

    static final String UNAUTHENTICATED = "CLIENT_ERROR unauthenticated";
    static final String AUTH_FAILURE = "CLIENT_ERROR authentication failure";

    /** Whether the connection must authenticate before this command runs (it then gets {@link #unauthenticated}). */
    private boolean mustAuthenticate() {
        return endpoint.tenancy.requiresAuth() && auth.user() == null;
    }

    /**
     * A command of a connection not authenticated yet: the authenticating set (value "user password"), or a refusal
     * that closes the connection.
     */
    private CompletableFuture<?> unauthenticated(TextRequest req) {
        if (req instanceof TextRequest.Store s && s.command() == TextRequest.StoreCommand.SET) {
            if (!auth.transportAllowed()) {
                return now(List.of(line("CLIENT_ERROR " + ConnectionAuth.PLAINTEXT_REFUSED), ResponseQueue.CLOSE));
            }
            String[] tokens = new String(s.data(), StandardCharsets.UTF_8).trim().split(" +");
            if (tokens.length < 2) {
                return now(authAnswer(auth.fail(null), "CLIENT_ERROR bad authentication token format"));
            }
            return auth.authenticate(tokens[0], tokens[1].getBytes(StandardCharsets.UTF_8))
                    .thenApply(r -> authAnswer(r, AUTH_FAILURE));
        }
        if (req instanceof TextRequest.Quit || req instanceof TextRequest.Close) {
            return now(ResponseQueue.CLOSE);
        }
        endpoint.stats.authErrors.increment();
        return now(List.of(line(UNAUTHENTICATED), ResponseQueue.CLOSE));
    }

    private static Object authAnswer(ConnectionAuth.Result r, String failure) {
        return switch (r) {
            case AUTHENTICATED -> line("STORED");
            case FAILED -> line(failure);
            case CUT_OFF -> List.of(line(failure), ResponseQueue.CLOSE);
        };
    }

    static TextReply line(String s) {
        return new TextReply.Line(s);
    }

    private CompletableFuture<?> execute(TextRequest req) {
        if (auth.cutOff()) {
            return now(null); // the connection closes after the answer that cut it off
        }
        if (mustAuthenticate()) {
            return unauthenticated(req);
        }
        MemcachedStats st = stats();
        long nowMs = System.currentTimeMillis();
        if (req instanceof TextRequest.Reply r) {
            if (!r.noreply()) {
                st.protocolErrors.increment();
            }
            return now(r.noreply() ? null : line(r.line()));
        } else if (req instanceof TextRequest.BadDataChunk b) {
            st.prefixes.recordSet(b.key());
            if (!b.noreply()) {
                st.protocolErrors.increment();
            }
            return now(b.noreply() ? null : line("CLIENT_ERROR bad data chunk"));
        } else if (req instanceof TextRequest.TooLarge t) {
            if (!t.meta()) {
                st.prefixes.recordSet(t.key());
            }
            String msg = "SERVER_ERROR object too large for cache";
            if (!t.removeOld()) {
                return now(t.noreply() ? null : line(msg));
            }
            return cache().mutate(key(t.key()), Mutation.delete(0)).thenApply(o -> t.noreply() ? null : line(msg));
        } else if (req instanceof TextRequest.Close || req instanceof TextRequest.Quit) {
            return now(ResponseQueue.CLOSE);
        } else if (req instanceof TextRequest.Version) {
            return now(line("VERSION " + MemcachedServer.VERSION));
        } else if (req instanceof TextRequest.Verbosity v) {
            return now(v.noreply() ? null : line("OK"));
        } else if (req instanceof TextRequest.MetaNoop) {
            return now(line("MN"));
        } else if (req instanceof TextRequest.Stats s) {
            return now(stats(s.sub(), s.arg()));
        } else if (req instanceof TextRequest.Get g) {
            return get(g, g.keys(), true, nowMs);
        } else if (req instanceof TextRequest.Store s) {
            return store(s, nowMs);
        } else if (req instanceof TextRequest.Arith a) {
            Mutation m = Mutation.arith(a.incr() ? 0 : Mutation.OPT_DECREMENT, a.delta(), 0, 0, 0, 0, 0);
            return cache().mutate(key(a.key()), m).thenApply(o -> {
                boolean hit = o.status() == Mutation.Status.STORED;
                (a.incr() ? (hit ? st.incrHits : st.incrMisses) : (hit ? st.decrHits : st.decrMisses)).increment();
                if (a.noreply()) {
                    return null;
                }
                return switch (o.status()) {
                    case STORED -> line(digits(o.item().value()));
                    case NON_NUMERIC -> line(NON_NUMERIC);
                    default -> line("NOT_FOUND");
                };
            });
        } else if (req instanceof TextRequest.Delete d) {
            st.prefixes.recordDelete(d.key());
            return cache().mutate(key(d.key()), Mutation.delete(0)).thenApply(o -> {
                boolean hit = o.status() == Mutation.Status.DELETED;
                (hit ? st.deleteHits : st.deleteMisses).increment();
                return d.noreply() ? null : line(hit ? "DELETED" : "NOT_FOUND");
            });
        } else if (req instanceof TextRequest.Touch t) {
            st.cmdTouch.increment();
            return cache().mutate(key(t.key()), Mutation.touch(Expiry.toExpireAt(t.exptime(), nowMs)))
                    .thenApply(o -> {
                        boolean hit = o.status() == Mutation.Status.TOUCHED;
                        (hit ? st.touchHits : st.touchMisses).increment();
                        return t.noreply() ? null : line(hit ? "TOUCHED" : "NOT_FOUND");
                    });
        } else if (req instanceof TextRequest.FlushAll f) {
            if (endpoint.tenancy.requiresAuth()) {
                if (f.delay() != 0) {
                    return now(line("CLIENT_ERROR " + Endpoint.DELAYED_FLUSH_REFUSED));
                }
                return endpoint.flushTenant(auth.user(), auth.who()).thenApply(v -> f.noreply() ? null : line("OK"));
            }
            return endpoint.flush(f.delay()).thenApply(v -> f.noreply() ? null : line("OK"));
        } else if (req instanceof TextRequest.MetaDebug d) {
            st.cmdMeta.increment();
            return meta.debug(d);
        } else if (req instanceof TextRequest.Meta m) {
            st.cmdMeta.increment();
            return meta.execute(m, nowMs);
        }
        return now(line("ERROR"));
    }

    private TextReply stats(String sub, String arg) {
        switch (sub) {
            case "":
                String tenant = auth.user();
                return new TextReply.Stats(tenant != null ? endpoint.tenantGeneralStats(tenant)
                        : endpoint.generalStats());
            case "settings":
                return new TextReply.Stats(endpoint.settingsStats());
            case "items":
            case "slabs":
            case "sizes":
            case "conns":
                // Hearth has no slab classes: items live in Ignite's off-heap regions (see /status for their size).
                return new TextReply.Stats(Map.of());
            case "reset":
                stats().prefixes.clear();
                return line("RESET");
            case "detail":
                return statsDetail(arg);
            default:
                return line("ERROR");
        }
    }

    private TextReply statsDetail(String arg) {
        PrefixStats prefixes = stats().prefixes;
        switch (arg) {
            case "on":
                prefixes.enable(true);
                return line("OK");
            case "off":
                prefixes.enable(false);
                return line("OK");
            case "dump":
                return new TextReply.Raw(prefixes.dump());
            default:
                return line("CLIENT_ERROR usage: stats detail on|off|dump");
        }
    }

    /** The digits of an incr/decr result (memcached pads shorter results with spaces in the stored value). */
    static String digits(byte[] value) {
        int end = value.length;
        while (end > 0 && value[end - 1] == ' ') {
            end--;
        }
        return new String(value, 0, end, StandardCharsets.US_ASCII);
    }

    /**
     * Answers {@code keys} of {@code g} (all of them, or one part): VALUE lines, then END if {@code end}. A part
     * with no hit and no END answers nothing.
     */
    private CompletableFuture<?> get(TextRequest.Get g, List<byte[]> keys, boolean end, long nowMs) {
        if (auth.cutOff()) {
            return now(null);
        }
        if (mustAuthenticate()) { // a part of a get of many keys (see channelRead0): not through execute
            return unauthenticated(g);
        }
        MemcachedStats st = stats();
        if (keys.isEmpty()) {
            return now(end ? new TextReply.Values(List.of()) : null);
        }
        if (g.touch()) {
            long expireAt = Expiry.toExpireAt(g.exptime(), nowMs);
            List<CompletableFuture<Item>> parts = new ArrayList<>(keys.size());
            for (byte[] k : keys) {
                parts.add(cache().getAndTouch(key(k), expireAt));
            }
            return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0])).thenApply(v -> {
                List<TextReply.Value> out = new ArrayList<>();
                for (int i = 0; i < keys.size(); i++) {
                    Item item = parts.get(i).join();
                    st.prefixes.recordGet(keys.get(i), item != null);
                    st.cmdTouch.increment();
                    (item != null ? st.touchHits : st.touchMisses).increment();
                    if (item != null) {
                        out.add(new TextReply.Value(keys.get(i), item.flags(), item.value(),
                                g.withCas() ? item.version() : -1));
                    }
                }
                return values(out, end);
            });
        }
        st.cmdGet.add(keys.size());
        if (keys.size() == 1) {
            byte[] k = keys.get(0);
            return cache().get(key(k)).thenApply(item -> {
                st.prefixes.recordGet(k, item != null);
                (item != null ? st.getHits : st.getMisses).increment();
                return values(item == null ? List.of()
                        : List.of(new TextReply.Value(k, item.flags(), item.value(),
                                g.withCas() ? item.version() : -1)), end);
            });
        }
        List<TenantKey> tks = new ArrayList<>(keys.size());
        for (byte[] k : keys) {
            tks.add(key(k));
        }
        return cache().getMulti(new ArrayList<>(new java.util.LinkedHashSet<>(tks))).thenApply(found -> {
            List<TextReply.Value> out = new ArrayList<>();
            for (int i = 0; i < keys.size(); i++) {
                Item item = found.get(tks.get(i));
                st.prefixes.recordGet(keys.get(i), item != null);
                (item != null ? st.getHits : st.getMisses).increment();
                if (item != null) {
                    out.add(new TextReply.Value(keys.get(i), item.flags(), item.value(),
                            g.withCas() ? item.version() : -1));
                }
            }
            return values(out, end);
        });
    }

    private static TextReply.Values values(List<TextReply.Value> out, boolean end) {
        return out.isEmpty() && !end ? null : new TextReply.Values(out, end);
    }

    private CompletableFuture<?> store(TextRequest.Store s, long nowMs) {
        MemcachedStats st = stats();
        st.cmdSet.increment();
        st.prefixes.recordSet(s.key());
        TenantKey k = key(s.key());
        long expireAt = Expiry.toExpireAt(s.exptime(), nowMs);
        if (s.command() == TextRequest.StoreCommand.SET) {
            return cache().set(k, s.data(), s.flags(), expireAt).thenApply(i -> s.noreply() ? null : line("STORED"));
        }
        Mutation m = switch (s.command()) {
            case ADD -> Mutation.add(s.data(), s.flags(), expireAt);
            case REPLACE -> Mutation.replace(s.data(), s.flags(), expireAt);
            case CAS -> Mutation.cas(s.data(), s.flags(), expireAt, s.cas());
            case APPEND -> Mutation.concat(s.data(), true, 0, endpoint.maxItemSize);
            default -> Mutation.concat(s.data(), false, 0, endpoint.maxItemSize);
        };
        return cache().mutate(k, m).thenApply(o -> {
            if (s.command() == TextRequest.StoreCommand.CAS) {
                switch (o.status()) {
                    case STORED -> st.casHits.increment();
                    case EXISTS -> st.casBadval.increment();
                    default -> st.casMisses.increment();
                }
            }
            if (s.noreply()) {
                return null;
            }
            return line(switch (o.status()) {
                case STORED -> "STORED";
                case EXISTS -> "EXISTS";
                case NOT_FOUND -> "NOT_FOUND";
                default -> "NOT_STORED";
            });
        });
    }
}
