package dev.hearth.node.memcached;

import static dev.hearth.node.memcached.TextHandler.line;

import dev.hearth.storage.Item;
import dev.hearth.storage.Mutation;
import dev.hearth.storage.TenantKey;
import dev.hearth.storage.VersionClock;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Executes one connection's meta commands (mg, ms, md, ma, me) against the cache service, each as one
 * {@link Mutation} where it changes anything, and words their answers: the return flags in request order, the win,
 * stale and token flags of memcached's stale-while-revalidate.
 */
final class MetaCommands {
    private final TextHandler conn;

    MetaCommands(TextHandler conn) {
        this.conn = conn;
    }

    /** mg, ms, md or ma. */
    CompletableFuture<?> execute(TextRequest.Meta m, long nowMs) {
        return switch (m.command()) {
            case 'g' -> metaGet(m, nowMs);
            case 's' -> metaSet(m, nowMs);
            case 'd' -> metaDelete(m, nowMs);
            default -> metaArith(m, nowMs);
        };
    }

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
        TenantKey k = conn.key(m.key());
        boolean locked = f.touch() || f.vivify() || f.recache() || f.has('h') || f.has('l');
        MemcachedStats st = conn.stats();
        if (f.touch()) {
            st.cmdTouch.increment();
        } else {
            st.cmdGet.increment();
        }
        if (locked) {
            return conn.cache().mutate(k, metaGetMutation(f, nowMs)).thenApply(o -> metaGetAnswer(m, o, nowMs));
        }
        return conn.cache().get(k).thenComposeAsync(item -> {
            if (item != null && item.stale() && !item.tokenSent()) {
                // A stale item hands out one win token: that needs the atomic path.
                return conn.cache().mutate(k, metaGetMutation(f, nowMs)).thenApply(o -> metaGetAnswer(m, o, nowMs));
            }
            Mutation.Outcome o = item == null ? new Mutation.Outcome(Mutation.Status.NOT_FOUND, null,
                    Mutation.Action.KEEP) : new Mutation.Outcome(Mutation.Status.FOUND, item, Mutation.Action.KEEP);
            return CompletableFuture.completedFuture(metaGetAnswer(m, o, nowMs));
        }, conn.loop);
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
        MemcachedStats st = conn.stats();
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
        conn.stats().cmdSet.increment();
        char mode = f.mode() == 0 ? 'S' : f.mode();
        int opts = (f.hasCas() ? Mutation.OPT_COMPARE : 0) | (f.invalidate() ? Mutation.OPT_STALE_OK : 0);
        long expireAt = f.touch() ? Expiry.toExpireAt(f.ttl(), nowMs) : 0;
        Mutation mu = Mutation.metaSet(mode, m.data(), f.clientFlags(), expireAt, opts, f.cas(),
                f.hasNewCas() ? f.newCas() : 0, conn.endpoint.maxItemSize);
        return conn.cache().mutate(conn.key(m.key()), mu).thenApply(o -> {
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
        MemcachedStats st = conn.stats();
        Mutation mu;
        if (f.invalidate()) {
            int opts = (f.hasCas() ? Mutation.OPT_COMPARE : 0) | (f.touch() ? Mutation.OPT_TOUCH : 0);
            mu = Mutation.invalidate(opts, f.cas(), f.touch() ? Expiry.toExpireAt(f.ttl(), nowMs) : 0,
                    f.hasNewCas() ? f.newCas() : 0);
        } else {
            mu = Mutation.delete(f.hasCas() ? f.cas() : 0);
        }
        return conn.cache().mutate(conn.key(m.key()), mu).thenApply(o -> {
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
        MemcachedStats st = conn.stats();
        boolean decr = f.mode() == 'D' || f.mode() == '-';
        int opts = (decr ? Mutation.OPT_DECREMENT : 0) | (f.hasCas() ? Mutation.OPT_COMPARE : 0)
                | (f.vivify() ? Mutation.OPT_VIVIFY : 0) | (f.touch() ? Mutation.OPT_TOUCH : 0);
        Mutation mu = Mutation.arith(opts, f.delta(), f.initial(), f.cas(),
                f.vivify() ? Expiry.toExpireAt(f.vivifyTtl(), nowMs) : 0,
                f.touch() ? Expiry.toExpireAt(f.ttl(), nowMs) : 0, f.hasNewCas() ? f.newCas() : 0);
        return conn.cache().mutate(conn.key(m.key()), mu).thenApply(o -> {
            boolean hit = o.status() == Mutation.Status.STORED;
            (decr ? (hit ? st.decrHits : st.decrMisses) : (hit ? st.incrHits : st.incrMisses)).increment();
            switch (o.status()) {
                case NON_NUMERIC:
                    return line(TextHandler.NON_NUMERIC);
                case STORED:
                case WON: {
                    if (o.status() == Mutation.Status.STORED && f.noReply()) {
                        return null;
                    }
                    Item item = o.item();
                    String number = TextHandler.digits(item.value());
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

    /** me: what memcached's debug line says of the key, or EN. */
    CompletableFuture<?> debug(TextRequest.MetaDebug d) {
        return conn.cache().get(conn.key(d.key())).thenApply(item -> item == null ? line("EN") : debug(d, item));
    }

    private TextReply debug(TextRequest.MetaDebug d, Item item) {
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
