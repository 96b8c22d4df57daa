package dev.hearth.client.testing;

import dev.hearth.testing.FreePorts;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.ignite.Ignite;
import org.apache.ignite.Ignition;
import org.apache.ignite.cache.CacheAtomicityMode;
import org.apache.ignite.cache.CacheMode;
import org.apache.ignite.cache.CacheWriteSynchronizationMode;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.configuration.CacheConfiguration;
import org.apache.ignite.configuration.ClientConfiguration;
import org.apache.ignite.configuration.ClientConnectorConfiguration;
import org.apache.ignite.configuration.DataRegionConfiguration;
import org.apache.ignite.configuration.DataStorageConfiguration;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.configuration.SystemDataRegionConfiguration;
import org.apache.ignite.logger.NullLogger;
import org.apache.ignite.spi.communication.tcp.TcpCommunicationSpi;
import org.apache.ignite.spi.discovery.tcp.TcpDiscoverySpi;
import org.apache.ignite.spi.discovery.tcp.ipfinder.vm.TcpDiscoveryVmIpFinder;

/**
 * Plain Ignite server nodes in this JVM with the caches a Hearth cluster has (zone caches {@code hearth-zone-<z>} as
 * PARTITIONED/ATOMIC/FULL_SYNC with one backup, and on demand the registry {@code hearth-tenants} as
 * REPLICATED/TRANSACTIONAL/FULL_SYNC with String keys and JSON String values, as the design note defines it). The
 * tests write registry records themselves, so the client is tested without the node module. Nodes find only each
 * other (static loopback addresses, free ports); instance names carry "tclient" and a random suffix.
 */
public final class InJvmCluster implements AutoCloseable {
    public static final String REGISTRY = "hearth-tenants";
    private final List<Ignite> nodes = new ArrayList<>();
    private final int[] thinPorts;
    private final IgniteClient admin;

    private InJvmCluster(int size, String... zones) throws IOException {
        this(size, null, null, zones);
    }

    /**
     * @param serverTls the thin-client port's TLS (a client certificate required), or null for plaintext
     * @param clientTls what this harness's own thin client presents then
     */
    private InJvmCluster(int size, javax.net.ssl.SSLContext serverTls, javax.net.ssl.SSLContext clientTls,
            String... zones) throws IOException {
        int[] ports = FreePorts.several(size * 3);
        thinPorts = new int[size];
        String id = "tclient-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> discovery = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            discovery.add("127.0.0.1:" + ports[i * 3]);
        }
        try {
            for (int i = 0; i < size; i++) {
                thinPorts[i] = ports[i * 3 + 2];
                TcpDiscoveryVmIpFinder finder = new TcpDiscoveryVmIpFinder(true);
                finder.setAddresses(discovery);
                TcpDiscoverySpi disco = new TcpDiscoverySpi().setIpFinder(finder).setLocalAddress("127.0.0.1")
                        .setLocalPort(ports[i * 3]).setLocalPortRange(0);
                TcpCommunicationSpi comm = new TcpCommunicationSpi();
                comm.setLocalAddress("127.0.0.1");
                comm.setLocalPort(ports[i * 3 + 1]);
                comm.setLocalPortRange(0);
                DataStorageConfiguration ds = new DataStorageConfiguration()
                        .setSystemDataRegionConfiguration(new SystemDataRegionConfiguration()
                                .setInitialSize(16L << 20).setMaxSize(32L << 20))
                        .setDefaultDataRegionConfiguration(new DataRegionConfiguration().setName("hearth-system")
                                .setInitialSize(16L << 20).setMaxSize(64L << 20));
                IgniteConfiguration cfg = new IgniteConfiguration()
                        .setIgniteInstanceName(id + "-n" + i)
                        .setDiscoverySpi(disco)
                        .setCommunicationSpi(comm)
                        .setLocalHost("127.0.0.1")
                        .setDataStorageConfiguration(ds)
                        // Ignite's legacy memcached-compatible connector would take port 11211.
                        .setConnectorConfiguration(null)
                        .setClientConnectorConfiguration(connector(thinPorts[i], serverTls))
                        .setMetricsLogFrequency(0)
                        .setGridLogger(new NullLogger());
                nodes.add(Ignition.start(cfg));
            }
            for (String z : zones) {
                createZone(z);
            }
            ClientConfiguration adminCfg = new ClientConfiguration().setAddresses(addresses().toArray(new String[0]))
                    .setTimeout(10_000);
            if (clientTls != null) {
                adminCfg.setSslMode(org.apache.ignite.client.SslMode.REQUIRED).setSslContextFactory(() -> clientTls);
            }
            admin = Ignition.startClient(adminCfg);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public static InJvmCluster start(int size, String... zones) throws IOException {
        return new InJvmCluster(size, zones);
    }

    /** As {@link #start}, with TLS on the thin-client port as a node with tls.enabled has it (mutual TLS). */
    public static InJvmCluster startTls(int size, javax.net.ssl.SSLContext serverTls,
            javax.net.ssl.SSLContext clientTls, String... zones) throws IOException {
        return new InJvmCluster(size, serverTls, clientTls, zones);
    }

    private static ClientConnectorConfiguration connector(int port, javax.net.ssl.SSLContext tls) {
        ClientConnectorConfiguration c = new ClientConnectorConfiguration().setHost("127.0.0.1").setPort(port)
                .setPortRange(0);
        if (tls != null) {
            c.setSslEnabled(true).setUseIgniteSslContextFactory(false).setSslClientAuth(true)
                    .setSslContextFactory(() -> tls);
        }
        return c;
    }

    public List<String> addresses() {
        return Arrays.stream(thinPorts).mapToObj(p -> "127.0.0.1:" + p).collect(Collectors.toList());
    }

    public void createZone(String zone) {
        nodes.get(0).getOrCreateCache(new CacheConfiguration<String, byte[]>("hearth-zone-" + zone)
                .setCacheMode(CacheMode.PARTITIONED)
                .setAtomicityMode(CacheAtomicityMode.ATOMIC)
                .setBackups(1)
                .setWriteSynchronizationMode(CacheWriteSynchronizationMode.FULL_SYNC));
    }

    /** Creates the registry cache as the design note defines it. */
    public void createRegistry() {
        nodes.get(0).getOrCreateCache(new CacheConfiguration<String, String>(REGISTRY)
                .setCacheMode(CacheMode.REPLICATED)
                .setAtomicityMode(CacheAtomicityMode.TRANSACTIONAL)
                .setWriteSynchronizationMode(CacheWriteSynchronizationMode.FULL_SYNC));
    }

    /** A plain thin client for setting up records and looking at stored bytes. */
    public IgniteClient admin() {
        return admin;
    }

    public ClientCache<String, String> registry() {
        return admin.cache(REGISTRY);
    }

    public ClientCache<String, byte[]> zone(String zone) {
        return admin.cache("hearth-zone-" + zone);
    }

    /** Writes a tenant record in the document's format. */
    public void tenant(String tenant, String zone, String state, String movingFrom) {
        long now = System.currentTimeMillis();
        registry().put("tenant/" + tenant, "{\"tenant\":\"" + tenant + "\",\"zone\":\"" + zone + "\",\"state\":\""
                + state + "\",\"createdAt\":" + now + ",\"changedAt\":" + now + ",\"changedBy\":\"test@tclient\","
                + "\"movingFrom\":" + (movingFrom == null ? "null" : "\"" + movingFrom + "\"") + "}");
    }

    /** Writes a zone record in the document's format. */
    public void zoneFlag(String zone, boolean maintenance) {
        registry().put("zone/" + zone, "{\"zone\":\"" + zone + "\",\"maintenance\":" + maintenance
                + ",\"changedAt\":" + System.currentTimeMillis() + ",\"changedBy\":\"test@tclient\"}");
    }

    public void placement(String json) {
        registry().put("placement", json);
    }

    /** Stops node {@code i} at once. */
    public void stop(int i) {
        Ignition.stop(nodes.get(i).name(), true);
    }

    @Override
    public void close() {
        if (admin != null) {
            try {
                admin.close();
            } catch (Exception e) {
                // closing anyway; the nodes go next
                e.printStackTrace();
            }
        }
        for (Ignite n : nodes) {
            Ignition.stop(n.name(), true);
        }
    }
}
