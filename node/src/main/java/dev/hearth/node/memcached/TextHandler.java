package dev.hearth.node.memcached;

import dev.hearth.node.cache.CacheService;
import dev.hearth.node.cache.EntryTooLargeException;
import dev.hearth.node.cache.TenantUnavailableException;
import dev.hearth.node.cache.UnavailableException;
import dev.hearth.storage.Item;
import dev.hearth.storage.Mutation;
import dev.hearth.storage.TenantKey;
import dev.hearth.storage.VersionClock;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

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
final class TextHandler extends SimpleChannelInboundHandler<TextRequest> {
    private static final Logger LOG = LogManager.getLogger(TextHandler.class);
    private static final String NON_NUMERIC = "CLIENT_ERROR cannot increment or decrement non-numeric value";

    private final Endpoint endpoint;
    private ResponseQueue queue;
    /** The connection's event loop: where every cache operation of the connection starts. */
    private java.util.concurrent.Executor loop;
    private final Sequencer sequencer = new Sequencer();
    /** Who the connection is (tenantMode authenticated); the authenticating set is ordered like a write. */
    private ConnectionAuth auth;

    TextHandler(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        loop = ctx.executor();
        auth = new ConnectionAuth(endpoint, ctx.channel());
        queue = new ResponseQueue(ctx, TextHandler::failure, TextReply::sizeOf, endpoint.connectionBudget(),
                endpoint.settings.slowReaderTimeout());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        queue.channelClosed();
        ctx.fireChannelInactive();
    }

    static Object failure(Throwable e) {
        Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (t instanceof TenantUnavailableException) {
            return new TextReply.Line("SERVER_ERROR " + TenantUnavailableException.MESSAGE);
        }
        if (t instanceof UnavailableException) {
            return new TextReply.Line("SERVER_ERROR " + oneLine(t.getMessage()));
        }
        if (t instanceof EntryTooLargeException) {
            return new TextReply.Line("SERVER_ERROR object too large for cache");
        }
        LOG.debug("memcached command failed", t);
        return new TextReply.Line("SERVER_ERROR " + t.getClass().getSimpleName() + ": " + oneLine(t.getMessage()));
    }

    /** A message fit for a reply line: no line breaks, at most 200 characters. */
    private static String oneLine(String message) {
        String msg = String.valueOf(message).replaceAll("[\\r\\n]+", " ");
        return msg.length() > 200 ? msg.substring(0, 200) : msg;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        queue.writabilityChanged();
        ctx.fireChannelWritabilityChanged();
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
                queue.add(part.size() * endpoint.valueRoom, room -> sequencer.submit(write, ctx.executor(),
                        () -> room.thenCompose(v -> get(g, part, end, nowMs))));
            }
            return;
        }
        queue.add(room(req), room -> sequencer.submit(write, ctx.executor(), () -> room.thenCompose(v -> execute(req))));
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

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == Endpoint.DRAIN) {
            queue.closeWhenAnswered();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (ResponseQueue.outOfMemory(cause)) {
            endpoint.outOfMemory(ctx.channel(), cause);
        } else {
            LOG.debug("memcached connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        }
        ctx.close();
    }

    private CacheService cache() {
        return endpoint.cache;
    }

    private TenantKey key(byte[] key) {
        return endpoint.tenancy.resolve(key, auth.user());
    }

    /** This connection's counters: its tenant's once authenticated. */
    private MemcachedStats stats() {
        return endpoint.statsFor(auth.user());
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

    private static CompletableFuture<Object> now(Object o) {
        return CompletableFuture.completedFuture(o);
    }

    private static TextReply line(String s) {
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
            return cache().get(key(d.key())).thenApply(item -> item == null ? line("EN") : metaDebug(d, item));
        } else if (req instanceof TextRequest.Meta m) {
            st.cmdMeta.increment();
            return switch (m.command()) {
                case 'g' -> metaGet(m, nowMs);
                case 's' -> metaSet(m, nowMs);
                case 'd' -> metaDelete(m, nowMs);
                default -> metaArith(m, nowMs);
            };
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

    // ---- meta ----

    /** Builds a meta answer line. */
    private static final class Line {
        private final ByteArrayOutputStream b = new ByteArrayOutputStream(64);

        Line add(String s) {
            b.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
            return this;
        }

        Line add(byte[] bytes) {
            b.writeBytes(bytes);
            return this;
        }

        byte[] bytes() {
            return b.toByteArray();
        }
    }

    private static void key(Line l, TextRequest.Meta m) {
        l.add(" k");
        if (m.flags().base64()) {
            l.add(Base64.getEncoder().encode(m.key())).add(" b");
        } else {
            l.add(m.key());
        }
    }

    /** The O and k return flags, which every meta answer carries, in request order. */
    private static void opaqueAndKey(Line l, TextRequest.Meta m) {
        for (byte[] t : m.flags().tokens()) {
            if (t[0] == 'O') {
                l.add(" ").add(t);
            } else if (t[0] == 'k') {
                key(l, m);
            }
        }
    }

    private static TextReply meta(Line l) {
        return new TextReply.Meta(l.bytes(), null);
    }

    private static long ttl(Item item, long nowMs) {
        return item.expireAt() == 0 ? -1 : item.ttlSeconds(nowMs);
    }

    private static long lastAccessSeconds(Item item, long nowMs) {
        return Math.max(0, (nowMs - VersionClock.millisOf(item.version())) / 1000);
    }

    private CompletableFuture<?> metaGet(TextRequest.Meta m, long nowMs) {
        MetaFlags f = m.flags();
        TenantKey k = key(m.key());
        boolean locked = f.touch() || f.vivify() || f.recache() || f.has('h') || f.has('l');
        MemcachedStats st = stats();
        if (f.touch()) {
            st.cmdTouch.increment();
        } else {
            st.cmdGet.increment();
        }
        if (locked) {
            return cache().mutate(k, metaGetMutation(f, nowMs)).thenApply(o -> metaGetAnswer(m, o, nowMs));
        }
        return cache().get(k).thenComposeAsync(item -> {
            if (item != null && item.stale() && !item.tokenSent()) {
                // A stale item hands out one win token: that needs the atomic path.
                return cache().mutate(k, metaGetMutation(f, nowMs)).thenApply(o -> metaGetAnswer(m, o, nowMs));
            }
            Mutation.Outcome o = item == null ? new Mutation.Outcome(Mutation.Status.NOT_FOUND, null,
                    Mutation.Action.KEEP) : new Mutation.Outcome(Mutation.Status.FOUND, item, Mutation.Action.KEEP);
            return CompletableFuture.completedFuture(metaGetAnswer(m, o, nowMs));
        }, loop);
    }

    private static Mutation metaGetMutation(MetaFlags f, long nowMs) {
        int opts = (f.touch() ? Mutation.OPT_TOUCH : 0) | (f.vivify() ? Mutation.OPT_VIVIFY : 0)
                | (f.recache() ? Mutation.OPT_RECACHE : 0) | (f.noUpdate() ? Mutation.OPT_NO_UPDATE : 0);
        long recacheAt = f.recache() ? Expiry.toExpireAt(f.recacheTtl(), nowMs) : 0;
        return Mutation.metaGet(opts, f.touch() ? Expiry.toExpireAt(f.ttl(), nowMs) : 0,
                f.vivify() ? Expiry.toExpireAt(f.vivifyTtl(), nowMs) : 0, recacheAt);
    }

    private Object metaGetAnswer(TextRequest.Meta m, Mutation.Outcome o, long nowMs) {
        MetaFlags f = m.flags();
        MemcachedStats st = stats();
        Item item = o.item();
        if (item == null) {
            (f.touch() ? st.touchMisses : st.getMisses).increment();
            if (f.noReply()) {
                return null;
            }
            Line l = new Line().add("EN");
            opaqueAndKey(l, m);
            return meta(l);
        }
        (f.touch() ? st.touchHits : st.getHits).increment();
        boolean won = o.status() == Mutation.Status.WON;
        Line l = new Line();
        if (f.value()) {
            l.add("VA " + item.value().length);
        } else {
            l.add("HD");
        }
        for (byte[] t : f.tokens()) {
            switch (t[0]) {
                case 's' -> l.add(" s" + item.value().length);
                case 't' -> l.add(" t" + ttl(item, nowMs));
                case 'c' -> l.add(" c" + Long.toUnsignedString(item.version()));
                case 'f' -> l.add(" f" + Integer.toUnsignedString(item.flags()));
                case 'l' -> l.add(" l" + lastAccessSeconds(item, nowMs));
                case 'h' -> l.add(item.fetched() ? " h1" : " h0");
                case 'O' -> l.add(" ").add(t);
                case 'k' -> key(l, m);
                default -> {
                }
            }
        }
        if (item.tokenSent() && !won) {
            l.add(" Z");
        }
        if (item.stale()) {
            l.add(" X");
        }
        if (won) {
            l.add(" W");
        }
        return new TextReply.Meta(l.bytes(), f.value() ? item.value() : null);
    }

    private CompletableFuture<?> metaSet(TextRequest.Meta m, long nowMs) {
        MetaFlags f = m.flags();
        stats().cmdSet.increment();
        char mode = f.mode() == 0 ? 'S' : f.mode();
        int opts = (f.hasCas() ? Mutation.OPT_COMPARE : 0) | (f.invalidate() ? Mutation.OPT_STALE_OK : 0);
        long expireAt = f.touch() ? Expiry.toExpireAt(f.ttl(), nowMs) : 0;
        Mutation mu = Mutation.metaSet(mode, m.data(), f.clientFlags(), expireAt, opts, f.cas(),
                f.hasNewCas() ? f.newCas() : 0, endpoint.maxItemSize);
        return cache().mutate(key(m.key()), mu).thenApply(o -> {
            boolean stored = o.status() == Mutation.Status.STORED;
            if (stored && f.noReply()) {
                return null;
            }
            Line l = new Line().add(switch (o.status()) {
                case STORED -> "HD";
                case EXISTS -> "EX";
                case NOT_FOUND -> "NF";
                default -> "NS";
            });
            for (byte[] t : f.tokens()) {
                switch (t[0]) {
                    case 'O' -> l.add(" ").add(t);
                    case 'k' -> key(l, m);
                    case 'c' -> l.add(" c" + (stored ? Long.toUnsignedString(o.item().version()) : "0"));
                    default -> {
                    }
                }
            }
            return meta(l);
        });
    }

    private CompletableFuture<?> metaDelete(TextRequest.Meta m, long nowMs) {
        MetaFlags f = m.flags();
        MemcachedStats st = stats();
        Mutation mu;
        if (f.invalidate()) {
            int opts = (f.hasCas() ? Mutation.OPT_COMPARE : 0) | (f.touch() ? Mutation.OPT_TOUCH : 0);
            mu = Mutation.invalidate(opts, f.cas(), f.touch() ? Expiry.toExpireAt(f.ttl(), nowMs) : 0,
                    f.hasNewCas() ? f.newCas() : 0);
        } else {
            mu = Mutation.delete(f.hasCas() ? f.cas() : 0);
        }
        return cache().mutate(key(m.key()), mu).thenApply(o -> {
            boolean ok = o.status() == Mutation.Status.DELETED;
            (ok ? st.deleteHits : st.deleteMisses).increment();
            if (ok && f.noReply()) {
                return null;
            }
            Line l = new Line().add(switch (o.status()) {
                case DELETED -> "HD";
                case EXISTS -> "EX";
                default -> "NF";
            });
            opaqueAndKey(l, m);
            return meta(l);
        });
    }

    private CompletableFuture<?> metaArith(TextRequest.Meta m, long nowMs) {
        MetaFlags f = m.flags();
        MemcachedStats st = stats();
        boolean decr = f.mode() == 'D' || f.mode() == '-';
        int opts = (decr ? Mutation.OPT_DECREMENT : 0) | (f.hasCas() ? Mutation.OPT_COMPARE : 0)
                | (f.vivify() ? Mutation.OPT_VIVIFY : 0) | (f.touch() ? Mutation.OPT_TOUCH : 0);
        Mutation mu = Mutation.arith(opts, f.delta(), f.initial(), f.cas(),
                f.vivify() ? Expiry.toExpireAt(f.vivifyTtl(), nowMs) : 0,
                f.touch() ? Expiry.toExpireAt(f.ttl(), nowMs) : 0, f.hasNewCas() ? f.newCas() : 0);
        return cache().mutate(key(m.key()), mu).thenApply(o -> {
            boolean hit = o.status() == Mutation.Status.STORED;
            (decr ? (hit ? st.decrHits : st.decrMisses) : (hit ? st.incrHits : st.incrMisses)).increment();
            switch (o.status()) {
                case NON_NUMERIC:
                    return line(NON_NUMERIC);
                case STORED:
                case WON: {
                    if (o.status() == Mutation.Status.STORED && f.noReply()) {
                        return null;
                    }
                    Item item = o.item();
                    String number = digits(item.value());
                    Line l = new Line().add(f.value() ? "VA " + number.length() : "HD");
                    for (byte[] t : f.tokens()) {
                        switch (t[0]) {
                            case 'c' -> l.add(" c" + Long.toUnsignedString(item.version()));
                            case 't' -> l.add(" t" + ttl(item, nowMs));
                            case 'O' -> l.add(" ").add(t);
                            case 'k' -> key(l, m);
                            default -> {
                            }
                        }
                    }
                    return new TextReply.Meta(l.bytes(),
                            f.value() ? number.getBytes(StandardCharsets.US_ASCII) : null);
                }
                default: {
                    Line l = new Line().add(o.status() == Mutation.Status.EXISTS ? "EX" : "NF");
                    opaqueAndKey(l, m);
                    return meta(l);
                }
            }
        });
    }

    private TextReply metaDebug(TextRequest.MetaDebug d, Item item) {
        long nowMs = System.currentTimeMillis();
        Line l = new Line().add("ME ");
        l.add(d.base64() ? Base64.getEncoder().encode(d.key()) : d.key());
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("exp", Long.toString(item.expireAt() == 0 ? -1 : -item.ttlSeconds(nowMs)));
        fields.put("la", Long.toString(lastAccessSeconds(item, nowMs)));
        fields.put("cas", Long.toUnsignedString(item.version()));
        fields.put("fetch", item.fetched() ? "yes" : "no");
        fields.put("cls", "1");
        fields.put("size", Integer.toString(item.value().length + d.key().length + 50));
        fields.forEach((n, v) -> l.add(" " + n + "=" + v));
        return meta(l);
    }
}
