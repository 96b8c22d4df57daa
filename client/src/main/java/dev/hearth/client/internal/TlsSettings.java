package dev.hearth.client.internal;

import java.util.function.Consumer;
import javax.cache.configuration.Factory;
import javax.net.ssl.SSLContext;
import org.apache.ignite.client.SslMode;
import org.apache.ignite.configuration.ClientConfiguration;

/** Ignite thin-client TLS settings for a context made by {@code HearthClientBuilder.tls}. */
public final class TlsSettings {
    private TlsSettings() {
    }

    /** Sets TLS as required, with {@code context}, on every Ignite client configuration it is applied to. */
    public static Consumer<ClientConfiguration> applying(SSLContext context) {
        Fixed factory = new Fixed(context);
        return cfg -> cfg.setSslMode(SslMode.REQUIRED).setSslContextFactory(factory);
    }

    /** Ignite asks for a Serializable factory; the context never leaves this JVM. */
    private static final class Fixed implements Factory<SSLContext> {
        private static final long serialVersionUID = 1L;
        private final transient SSLContext context;

        Fixed(SSLContext context) {
            this.context = context;
        }

        @Override
        public SSLContext create() {
            if (context == null) {
                throw new IllegalStateException("a TLS context does not travel between JVMs");
            }
            return context;
        }
    }
}
