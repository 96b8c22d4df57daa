package dev.hearth.node.memcached;

import dev.hearth.node.cache.CacheService;
import dev.hearth.node.cache.OperationStats;
import dev.hearth.node.config.HearthConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** What every connection of one listener shares: settings, tenancy, the cache service, counters. */
final class Endpoint {
    final HearthConfig.Memcached settings;
    final Tenancy tenancy;
    final MemcachedStats stats = new MemcachedStats();
    final OperationStats ops;
    final int maxItemSize;
    /** What one value may take in an answer: the room a read reserves per key. */
    final long valueRoom;
    /** Keys per part of a get's answer: as many values as fit a connection's budget. */
    final int keysPerPart;
    /** The answers of every connection together (memcached.outputMemory). */
    final ByteBudget outputBudget;
    final ScheduledExecutorService scheduler;
    volatile CacheService cache;
    volatile int port;
    /** Set by {@link MemcachedServer#drain}: every connection closes once it has answered what it received. */
    volatile boolean draining;

    /** The user event {@link MemcachedServer#drain} sends down every connection's pipeline. */
    static final Object DRAIN = new Object() {
        @Override
        public String toString() {
            return "memcached-drain";
        }
    };

    Endpoint(HearthConfig.Memcached settings, OperationStats ops, ScheduledExecutorService scheduler) {
        this.settings = settings;
        this.tenancy = new Tenancy(settings.tenantMode(), settings.tenant(), settings.users());
        this.ops = ops;
        this.maxItemSize = (int) settings.maxItemSize().bytes();
        this.scheduler = scheduler;
        this.valueRoom = maxItemSize + TextDecoder.KEY_MAX_LENGTH + TextReply.VALUE_OVERHEAD;
        long perConnection = settings.connectionOutput().bytes();
        this.keysPerPart = (int) Math.max(1, Math.min(1024, perConnection / valueRoom));
        this.outputBudget = new ByteBudget(settings.outputMemory().bytes(), null);
    }

    /** A new connection's budget (memcached.connectionOutput), inside the node's. */
    ByteBudget connectionBudget() {
        return new ByteBudget(settings.connectionOutput().bytes(), outputBudget);
    }

    /** flush_all with memcached's delay semantics: 0 now, else at the time the exptime names. */
    CompletableFuture<Void> flush(long delayExptime) {
        stats.cmdFlush.increment();
        if (delayExptime <= 0) {
            return cache.flushAll();
        }
        long now = System.currentTimeMillis();
        long at = Expiry.toExpireAt(delayExptime, now);
        long delay = Math.max(0, at - now);
        CacheService c = cache;
        scheduler.schedule(() -> c.flushAll(), delay, TimeUnit.MILLISECONDS);
        return CompletableFuture.completedFuture(null);
    }

    /** memcached's general stats, then Hearth's answer-memory figures (bytes held now and the limit). */
    Map<String, String> generalStats() {
        Map<String, String> m = stats.general(settings.maxConnections());
        m.put("hearth_output_bytes", Long.toString(outputBudget.used()));
        m.put("hearth_output_limit", Long.toString(outputBudget.capacity()));
        return m;
    }

    Map<String, String> settingsStats() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("maxconns", Integer.toString(settings.maxConnections()));
        m.put("tcpport", Integer.toString(port));
        m.put("udpport", "0");
        m.put("evictions", "on");
        m.put("cas_enabled", "yes");
        m.put("binding_protocol", "auto-negotiate");
        m.put("auth_enabled_sasl", tenancy.requiresAuth() ? "yes" : "no");
        m.put("item_size_max", Integer.toString(maxItemSize));
        m.put("idle_timeout", Long.toString(settings.idleTimeout().toSeconds()));
        m.put("flush_enabled", "yes");
        m.put("detail_enabled", stats.prefixes.enabled() ? "yes" : "no");
        m.put("meta_response_old", "no");
        m.put("hearth_tenant_mode", tenancy.mode().name().toLowerCase(java.util.Locale.ROOT));
        m.put("hearth_default_tenant", settings.tenant());
        return m;
    }
}
