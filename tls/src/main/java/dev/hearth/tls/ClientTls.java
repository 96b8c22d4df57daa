package dev.hearth.tls;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/** The TLS context of a client of Hearth (hearth-client, hearthctl), from PEM files. */
public final class ClientTls {
    private ClientTls() {
    }

    /**
     * A TLS context that trusts the servers whose certificate chains to {@code caFile} (null: the JVM's default
     * trust store) and, when {@code certFile} and {@code keyFile} are given, presents that certificate (mutual TLS:
     * needed by a node whose {@code tls.caFile} is set). The files are read once, now.
     *
     * @throws PemException a file is missing or malformed (the message names it)
     */
    public static SSLContext context(Path caFile, Path certFile, Path keyFile) {
        TlsMaterial m = TlsMaterial.load(certFile, keyFile, caFile);
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(m.hasKey() ? new KeyManager[] {m.keyManager()} : null,
                    m.hasCa() ? new TrustManager[] {m.trustManager()} : null, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up a TLS context", e);
        }
    }
}
