package dev.hearth.client.micrometer;

import dev.hearth.client.CircuitOpenException;
import dev.hearth.client.CircuitState;
import dev.hearth.client.ClientStats;
import dev.hearth.client.HearthClient;
import dev.hearth.client.HearthTimeoutException;
import dev.hearth.client.Operation;
import dev.hearth.client.OperationListener;
import dev.hearth.client.TenantUnavailableException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * hearth-client's metrics for Micrometer. As an {@link OperationListener} it times every operation into
 * {@code hearth.client.operations} (tags {@code operation}, {@code tenant}, {@code outcome}: success, timeout,
 * rejected or error; p50 and p99 published); as a {@link MeterBinder} of a {@link #monitor monitored} client it
 * exposes the client's counters ({@code hearth.client.hits}, {@code .misses}, {@code .loads}, {@code .load.failures},
 * {@code .timeouts}, {@code .errors}, {@code .rejected}, {@code .retries}, {@code .coalesced}, {@code .bypassed},
 * {@code .read.failovers}), per-tenant hits and misses ({@code hearth.client.lookups}, tags {@code tenant} and
 * {@code result}: hit or miss; for a hit ratio per tenant) and gauges ({@code hearth.client.circuit.open}: 1 while the circuit is not closed;
 * {@code hearth.client.registry.age} in seconds).
 *
 * <pre>{@code
 * HearthMetrics metrics = new HearthMetrics();
 * HearthClient client = HearthClient.builder().addresses(...).addListener(metrics).build();
 * metrics.monitor(client).bindTo(meterRegistry);
 * }</pre>
 *
 * <p>The {@code tenant} tag takes the first {@code maxTenants} tenant names seen (100 by default) and then
 * {@value #OTHER}: a service with thousands of tenants must not make thousands of series.
 */
public final class HearthMetrics implements OperationListener, MeterBinder {
    /** The tenant tag of tenants past the limit. */
    public static final String OTHER = "other";
    /** How long a stats snapshot serves the meters read from it: a scrape reads a dozen of them at once. */
    private static final long SNAPSHOT_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final int maxTenants;
    private final Set<String> tenants = ConcurrentHashMap.newKeySet();
    private final ConcurrentMap<String, Timer> timers = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> lookups = new ConcurrentHashMap<>();
    private volatile MeterRegistry registry;
    private volatile HearthClient client;
    private volatile Snapshot last;

    private record Snapshot(ClientStats stats, long takenNanos) {
    }

    /** With at most 100 tenant tag values. */
    public HearthMetrics() {
        this(100);
    }

    /** @param maxTenants how many tenant names become tag values before the rest share {@value #OTHER} */
    public HearthMetrics(int maxTenants) {
        if (maxTenants < 0) {
            throw new IllegalArgumentException("maxTenants must not be negative: " + maxTenants);
        }
        this.maxTenants = maxTenants;
    }

    /**
     * The client whose counters and circuit state this exposes, before or after {@link #bindTo} (a Spring context
     * binds its meter binders before the client exists); the timers need none (they come from this listener, given
     * to the client's builder).
     *
     * @throws IllegalStateException if a client is monitored already
     */
    public HearthMetrics monitor(HearthClient client) {
        attach(Objects.requireNonNull(client, "client"), null);
        return this;
    }

    /** @throws IllegalStateException if bound already (one registry; a composite registry for several) */
    @Override
    public void bindTo(MeterRegistry registry) {
        attach(null, Objects.requireNonNull(registry, "registry"));
    }

    /** The client's meters are registered once both are known, whichever came first. */
    private synchronized void attach(HearthClient c, MeterRegistry r) {
        if (c != null) {
            if (client != null) {
                throw new IllegalStateException("already monitoring a client");
            }
            client = c;
        }
        if (r != null) {
            if (registry != null) {
                throw new IllegalStateException("already bound to a registry");
            }
            registry = r;
        }
        if (client != null && registry != null) {
            registerClientMeters(registry);
        }
    }

    private void registerClientMeters(MeterRegistry registry) {
        counter(registry, "hits", "reads that found a live value", ClientStats::hits);
        counter(registry, "misses", "reads that found nothing", ClientStats::misses);
        counter(registry, "loads", "getOrLoad loader calls that returned", ClientStats::loads);
        counter(registry, "load.failures", "loader calls that threw or could not start", ClientStats::loadFailures);
        counter(registry, "timeouts", "operations past their deadline", ClientStats::timeouts);
        counter(registry, "errors", "operations failed otherwise", ClientStats::errors);
        counter(registry, "rejected", "operations refused at once (open circuit, unavailable tenant)",
                ClientStats::rejected);
        counter(registry, "retries", "attempts repeated within a deadline", ClientStats::retries);
        counter(registry, "coalesced", "getOrLoad calls that joined a load in flight", ClientStats::coalesced);
        counter(registry, "bypassed", "operations of tenants in maintenance answered without the cache",
                ClientStats::bypassed);
        counter(registry, "read.failovers", "reads also sent to the other nodes", ClientStats::readFailovers);
        counter(registry, "sent.from.caller", "network steps sent from the caller's thread (sendFromCaller)",
                ClientStats::sentFromCaller);
        Gauge.builder("hearth.client.circuit.open", this, m -> m.stats().circuitState() == CircuitState.CLOSED ? 0 : 1)
                .description("1 while the client's circuit is open or half-open: operations fail fast")
                .register(registry);
        Gauge.builder("hearth.client.writes.refused", this, m -> m.stats().writesRefused() ? 1 : 0)
                .description("1 while writes are refused: the tenant registry has not been read for maxRegistryAge")
                .register(registry);
        Gauge.builder("hearth.client.registry.age", this, m -> m.stats().registryAgeMillis() / 1000.0)
                .description("age of the client's reading of the tenant registry (-0.001: never read)")
                .baseUnit("seconds").register(registry);
    }

    private void counter(MeterRegistry r, String name, String description, ToDoubleFunction<ClientStats> f) {
        FunctionCounter.builder("hearth.client." + name, this, m -> f.applyAsDouble(m.stats()))
                .description(description).register(r);
    }

    private ClientStats stats() {
        Snapshot s = last;
        long now = System.nanoTime();
        if (s == null || now - s.takenNanos() > SNAPSHOT_NANOS) {
            s = new Snapshot(client.stats(), now);
            last = s;
        }
        return s.stats();
    }

    @Override
    public void ended(Operation op, String tenant, Object context, long durationNanos, Throwable failure) {
        MeterRegistry r = registry;
        if (r == null) {
            return;
        }
        String t = tenantTag(tenant);
        String outcome = outcome(failure);
        String key = op.ordinal() + "|" + outcome + "|" + t;
        Timer timer = timers.get(key);
        if (timer == null) {
            timer = timers.computeIfAbsent(key, k -> Timer.builder("hearth.client.operations")
                    .description("hearth-client operations, from the call to its outcome")
                    .tag("operation", op.name().toLowerCase(Locale.ROOT))
                    .tag("tenant", t)
                    .tag("outcome", outcome)
                    .publishPercentiles(0.5, 0.99)
                    .register(r));
        }
        timer.record(durationNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void lookedUp(String tenant, boolean hit) {
        MeterRegistry r = registry;
        if (r == null) {
            return;
        }
        String t = tenantTag(tenant);
        String key = (hit ? "hit|" : "miss|") + t;
        Counter c = lookups.get(key);
        if (c == null) {
            c = lookups.computeIfAbsent(key, k -> Counter.builder("hearth.client.lookups")
                    .description("keys looked up by reads, by tenant: result hit (a live value) or miss")
                    .tag("tenant", t)
                    .tag("result", hit ? "hit" : "miss")
                    .register(r));
        }
        c.increment();
    }

    private String tenantTag(String tenant) {
        if (tenants.contains(tenant)) {
            return tenant;
        }
        synchronized (tenants) {
            if (tenants.contains(tenant) || tenants.size() < maxTenants && tenants.add(tenant)) {
                return tenant;
            }
        }
        return OTHER;
    }

    private static String outcome(Throwable failure) {
        if (failure == null) {
            return "success";
        }
        if (failure instanceof HearthTimeoutException) {
            return "timeout";
        }
        if (failure instanceof CircuitOpenException || failure instanceof TenantUnavailableException) {
            return "rejected";
        }
        return "error";
    }
}
