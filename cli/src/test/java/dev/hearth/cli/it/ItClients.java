package dev.hearth.cli.it;

import java.util.concurrent.Executors;
import org.apache.ignite.Ignition;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.configuration.ClientConfiguration;

/** The thin client the process-cluster tests use. */
final class ItClients {
    private ItClients() {
    }

    /**
     * A bounded request timeout (Ignite's default waits forever), and async continuations on a small daemon pool of
     * their own, never on Ignite's network thread.
     */
    static IgniteClient thin(String[] addresses, int timeoutMillis) {
        return Ignition.startClient(new ClientConfiguration().setAddresses(addresses)
                .setPartitionAwarenessEnabled(true).setTimeout(timeoutMillis)
                .setAsyncContinuationExecutor(Executors.newFixedThreadPool(2, r -> {
                    Thread t = new Thread(r, "it-client-async");
                    t.setDaemon(true);
                    return t;
                })));
    }
}
