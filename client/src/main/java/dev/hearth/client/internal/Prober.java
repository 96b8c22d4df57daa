package dev.hearth.client.internal;

import dev.hearth.client.internal.ClientThreads.ThreadKind;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes the circuit breaker again: every {@code circuitProbeInterval}, while the breaker lets one probe through
 * ({@link CircuitBreaker#tryStartProbe}), connects if the client is not connected, reads one key, and reports to
 * the breaker whether the cluster answered. Any answer counts, an error included (say, the zone does not exist):
 * only "no answer" keeps the circuit open. Runs on its own thread, separate from the scheduler: connecting or probing
 * may block, and deadlines must not wait for it.
 */
final class Prober {
    /** ClientCore's logger, as before the prober had its own class: logging configurations name it. */
    private static final Logger LOG = LoggerFactory.getLogger(ClientCore.class);
    /** A probe waits at least this long for its answer, even with a shorter request timeout. */
    private static final Duration MIN_PROBE_TIMEOUT = Duration.ofMillis(500);

    private final CircuitBreaker breaker;
    private final RegistryPoller registry;
    private final Runnable connect;
    private final BooleanSupplier connected;
    private final BiFunction<Duration, String, CompletableFuture<byte[]>> read;
    private final String pinnedZone;
    private final Duration probeTimeout;
    private final Duration interval;
    private final ScheduledThreadPoolExecutor thread =
            new ScheduledThreadPoolExecutor(1, ClientThreads.daemonFactory("hearth-probe", ThreadKind.MAY_BLOCK));
    private volatile boolean closed;

    /**
     * @param connect connects the client if it is not connected; throws if no node answers
     * @param connected whether the client is connected
     * @param read reads the probe key in the given zone within the given timeout, read failover included: with one
     *     node frozen, the probe key's primary may be that node, and a probe asking only it would keep the circuit
     *     open until the node is dropped or wakes
     * @param pinnedZone the zone to probe, or null for the probe key's zone per the registry
     */
    Prober(CircuitBreaker breaker, RegistryPoller registry, Runnable connect, BooleanSupplier connected,
            BiFunction<Duration, String, CompletableFuture<byte[]>> read, String pinnedZone, Duration requestTimeout,
            Duration interval) {
        this.breaker = breaker;
        this.registry = registry;
        this.connect = connect;
        this.connected = connected;
        this.read = read;
        this.pinnedZone = pinnedZone;
        this.probeTimeout = requestTimeout.compareTo(MIN_PROBE_TIMEOUT) > 0 ? requestTimeout : MIN_PROBE_TIMEOUT;
        this.interval = interval;
    }

    /** Starts probing: the first probe comes one interval from now. */
    void start() {
        long ms = interval.toMillis();
        thread.scheduleWithFixedDelay(this::probe, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** Stops probing; a probe under way is interrupted. */
    void close() {
        closed = true;
        thread.shutdownNow();
    }

    private void probe() {
        if (closed) {
            return;
        }
        if (!breaker.tryStartProbe()) {
            return;
        }
        try {
            if (!connected.getAsBoolean()) {
                connect.run();
            }
            String zone = pinnedZone != null ? pinnedZone : registry.view().placement().zoneOf(":probe");
            CompletableFuture<byte[]> f = read.apply(probeTimeout, zone);
            boolean reachable;
            try {
                f.get(probeTimeout.toMillis() + 50, TimeUnit.MILLISECONDS);
                reachable = true;
            } catch (ExecutionException e) {
                reachable = !Failures.isConnectivity(Failures.unwrap(e)) && connected.getAsBoolean();
                if (!reachable) {
                    throw e;
                }
            }
            if (!registry.view().loaded()) {
                registry.refresh(); // the cluster is back: do not wait for the poller to learn where tenants go
            }
            breaker.onProbe(reachable);
            LOG.info("Hearth client: cluster reachable again; circuit closed");
        } catch (Exception e) {
            LOG.debug("probe failed", e);
            breaker.onProbe(false);
        }
    }
}
