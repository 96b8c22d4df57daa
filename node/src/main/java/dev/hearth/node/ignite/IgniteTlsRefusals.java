package dev.hearth.node.ignite;

import dev.hearth.node.security.TlsRefusals;
import org.apache.ignite.internal.IgniteEx;
import org.apache.ignite.internal.processors.metric.GridMetricManager;
import org.apache.ignite.internal.processors.metric.MetricRegistryImpl;
import org.apache.ignite.internal.util.nio.ssl.GridNioSslFilter;
import org.apache.ignite.spi.communication.tcp.TcpCommunicationSpi;
import org.apache.ignite.spi.metric.IntMetric;

/**
 * The TLS refusals Ignite counts on its own ports: its NIO servers (thin-client connector, communication) count the
 * sessions whose TLS handshake failed, plaintext ones included, in their metric registries. Discovery counts nothing
 * (it logs "Failed to initialize connection (missing SSL configuration on remote node?)").
 */
public final class IgniteTlsRefusals {
    private IgniteTlsRefusals() {
    }

    /** Adds Ignite's counts of {@code ignite} to {@code refusals} as ports thinClient and communication. */
    public static void register(IgniteEx ignite, TlsRefusals refusals) {
        count(ignite, GridMetricManager.CLIENT_CONNECTOR_METRICS, "thinClient", refusals);
        count(ignite, TcpCommunicationSpi.COMMUNICATION_METRICS_GROUP_NAME, "communication", refusals);
    }

    private static void count(IgniteEx ignite, String registry, String port, TlsRefusals refusals) {
        MetricRegistryImpl r = ignite.context().metric().registry(registry);
        refusals.countedElsewhere(port, TlsRefusals.HANDSHAKE, () -> {
            IntMetric m = r.findMetric(GridNioSslFilter.SSL_REJECTED_SESSIONS_CNT_METRIC_NAME);
            return m == null ? 0 : m.value();
        });
    }
}
