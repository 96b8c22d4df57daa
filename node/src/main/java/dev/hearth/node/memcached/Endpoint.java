package dev.hearth.node.memcached;

import dev.hearth.node.cache.CacheService;
import dev.hearth.node.cache.OperationStats;
import dev.hearth.node.config.HearthConfig;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.internal.PlatformDependent;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/** What every connection of one listener shares: settings, tenancy, the cache service, counters. */
final class Endpoint {
    private static final Logger LOG = LogManager.getLogger(Endpoint.class);
    final HearthConfig.Memcached settings;
    final Tenancy tenancy;
    /** The SASL users (tenantMode authenticated), else null. */
    final Credentials credentials;
    /** The listener's counters; in tenantMode authenticated only what happens before a connection authenticates. */
    final MemcachedStats stats = new MemcachedStats();
    /** Per-tenant counters (tenantMode authenticated): at most one per configured user. */
    private final ConcurrentHashMap<String, MemcachedStats> tenantStats = new ConcurrentHashMap<>();
    final OperationStats ops;
    final int maxItemSize;
    /** What one value may take in an answer: the room a read reserves per key. */
    final long valueRoom;
    /** Keys per part of a get's answer: as many values as fit a connection's budget. */
    final int keysPerPart;
    /** The answers of every connection together (memcached.outputMemory). */
    final ByteBudget outputBudget;
    /** What incomplete requests of every connection hold together (memcached.inputMemory). */
    final InputMemory inputMemory;
    final ScheduledExecutorService scheduler;
    volatile CacheService cache;
    /** Set once the node's tenant service is up; until then an authenticated FLUSH is answered with an error. */
    volatile TenantFlush tenantFlush;
    /** What the node does when memory ran out under a connection (it leaves for its supervisor); null: log only. */
    volatile Consumer<String> exhausted;
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
        this.tenancy = new Tenancy(settings.tenantMode(), settings.tenant());
        this.credentials = tenancy.requiresAuth() ? new Credentials(settings.users(), settings.usersFile()) : null;
        if (tenancy.requiresAuth() && settings.saslOverPlaintext()) {
            LOG.warn("memcached.saslOverPlaintext=true: SASL is accepted on connections without TLS, where "
                    + "passwords cross the network in cleartext");
        }
        this.ops = ops;
        this.maxItemSize = (int) settings.maxItemSize().bytes();
        this.scheduler = scheduler;
        this.valueRoom = maxItemSize + RequestDecoder.KEY_MAX_LENGTH + TextReply.VALUE_OVERHEAD;
        long perConnection = settings.connectionOutput().bytes();
        this.keysPerPart = (int) Math.max(1, Math.min(1024, perConnection / valueRoom));
        this.outputBudget = new ByteBudget(settings.outputMemory().bytes(), null);
        this.inputMemory = new InputMemory(settings.inputMemory().bytes());
    }

    /** A new connection's bounds on an incomplete request (memcached.requestTimeout, memcached.inputMemory). */
    IncompleteRequests incompleteRequests() {
        return new IncompleteRequests(settings.requestTimeout().toNanos(), inputMemory, ops);
    }

    /** A new connection's budget (memcached.connectionOutput), inside the node's. */
    ByteBudget connectionBudget() {
        return new ByteBudget(settings.connectionOutput().bytes(), outputBudget);
    }

    /**
     * Whether a connection is TLS: the one place that decides it (the TLS handler, when configured, is the
     * pipeline's {@link SslHandler}).
     */
    static boolean tls(Channel ch) {
        return ch.pipeline().get(SslHandler.class) != null;
    }

    /** Whether SASL may run on this connection: over TLS, or anywhere with memcached.saslOverPlaintext. */
    boolean saslAllowed(Channel ch) {
        return settings.saslOverPlaintext() || tls(ch);
    }

    /** The counters a connection's commands go to: its tenant's once authenticated, else the listener's. */
    MemcachedStats statsFor(String tenant) {
        return tenant == null ? stats : tenantStats.computeIfAbsent(tenant, t -> new MemcachedStats());
    }

    /** Why an authenticated tenant's delayed flush is refused. */
    static final String DELAYED_FLUSH_REFUSED = "delayed flush is not supported in tenantMode authenticated "
            + "(a timer nobody could see or cancel); flush now, with delay 0";

    /**
     * Memory ran out under connection {@code ch} ({@code cause} is an OutOfMemoryError, or has one as a cause):
     * Netty's direct memory most likely, which the output bounds should have kept from happening. Logged with the
     * figures and handed to the node, which leaves for its supervisor: a node whose bounds failed once is not to be
     * trusted with the next connection. The caller closes the connection.
     */
    void outOfMemory(Channel ch, Throwable cause) {
        Throwable oom = cause;
        while (!(oom instanceof OutOfMemoryError) && oom.getCause() != null && oom.getCause() != oom) {
            oom = oom.getCause();
        }
        long used = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
        String why = "direct memory exhausted under memcached connection " + ch.remoteAddress() + ": " + oom
                + "; direct buffers in use " + used + " of " + PlatformDependent.maxDirectMemory()
                + " bytes (memory.directMemory; memcached.outputMemory should stay well under it)";
        LOG.error("{}", why);
        Consumer<String> hook = exhausted;
        if (hook != null) {
            hook.accept(why);
        }
    }

    /**
     * An authenticated tenant's flush: removes that tenant's keys only, through the node's tenant flush, off the
     * event loop (it scans the tenant's zone across the cluster). Flushes of the node run one at a time.
     *
     * @param by who asked, for the tenant service's log line
     */
    CompletableFuture<Void> flushTenant(String tenant, String by) {
        statsFor(tenant).cmdFlush.increment();
        TenantFlush f = tenantFlush;
        if (f == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("tenant flush is not available yet "
                    + "(the node is starting)"));
        }
        return CompletableFuture.runAsync(() -> f.flush(tenant, by), scheduler);
    }

    /** flush_all with memcached's delay semantics: 0 now, else at the time the exptime names. */
    CompletableFuture<Void> flush(long delayExptime) {
        if (tenancy.requiresAuth()) {
            throw new IllegalStateException("a whole-node flush in tenantMode authenticated");
        }
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
        Map<String, String> m = stats.general(settings.maxConnections(), false);
        m.put("hearth_output_bytes", Long.toString(outputBudget.used()));
        m.put("hearth_output_limit", Long.toString(outputBudget.capacity()));
        return m;
    }

    /**
     * The general stats an authenticated tenant sees: its own counters under memcached's names, without the
     * listener-wide figures (connections, bytes, answer memory) that would show other tenants' traffic.
     */
    Map<String, String> tenantGeneralStats(String tenant) {
        return statsFor(tenant).general(settings.maxConnections(), true);
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
