package dev.hearth.node.security;

import dev.hearth.node.config.HearthConfig;
import dev.hearth.tls.PemException;
import dev.hearth.tls.TlsMaterial;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The TLS material of one node and the one {@link SSLContext} every port uses (memcached and admin through Netty,
 * the thin-client port, discovery and communication through Ignite).
 *
 * <p>The context's key and trust managers delegate to the material loaded last, so a reload reaches every port at
 * once: new handshakes use the new certificate, key and CA; open connections keep what they negotiated. The files
 * are checked every {@code tls.reloadInterval}; a change that fails to load (a half-written file, a key that does
 * not match the certificate) is logged once and the material in use kept.
 *
 * <p>Trust is the cluster CA only: a peer or client is accepted when its certificate chains to {@code tls.caFile}.
 * Host names are not checked here (a node's certificate names the node, not the address a peer dialled).
 */
public final class NodeTls implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(NodeTls.class);

    private final Path certFile;
    private final Path keyFile;
    private final Path caFile;
    private final SSLContext context;
    private final JdkSslContext netty;
    private final TlsRefusals refusals = new TlsRefusals();
    private final ScheduledExecutorService reloader;
    private volatile Generation current;
    private volatile Generation previous;
    /** The file contents of the last load attempt, to load (and log a failure) once per change, not every check. */
    private volatile byte[][] lastSeen;

    /** One loaded material and its number; key manager aliases carry the number (see {@link CurrentKeys}). */
    private record Generation(long number, TlsMaterial material, X509ExtendedKeyManager keys,
            X509ExtendedTrustManager trust) {
    }

    /**
     * Loads the files and, when {@code reloadInterval} is positive, checks them for changes on that interval.
     *
     * @throws PemException a file is missing or malformed (the message names it)
     */
    public NodeTls(Path certFile, Path keyFile, Path caFile, Duration reloadInterval) {
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.caFile = caFile;
        byte[][] contents = readAll();
        this.current = generation(1, TlsMaterial.load(certFile, keyFile, caFile));
        this.lastSeen = contents;
        try {
            context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {new CurrentKeys()}, new TrustManager[] {new CurrentTrust()}, null);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up the node's TLS context", e);
        }
        netty = new JdkSslContext(context, false, null, io.netty.handler.ssl.IdentityCipherSuiteFilter.INSTANCE,
                null, ClientAuth.REQUIRE, null, false);
        if (!reloadInterval.isZero() && !reloadInterval.isNegative()) {
            reloader = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "hearth-tls-reload");
                t.setDaemon(true);
                return t;
            });
            long ms = reloadInterval.toMillis();
            reloader.scheduleWithFixedDelay(this::reloadQuietly, ms, ms, TimeUnit.MILLISECONDS);
        } else {
            reloader = null;
        }
        LOG.info("TLS on: certificate {} (expires {}), CA {}", subject(current.material),
                current.material.chain().get(0).getNotAfter().toInstant(), caFile);
    }

    /** The node's TLS from its config, or null when {@code tls.enabled} is false. */
    public static NodeTls fromConfig(HearthConfig.Tls tls) {
        if (!tls.enabled()) {
            return null;
        }
        return new NodeTls(Path.of(tls.certFile()), Path.of(tls.keyFile()), Path.of(tls.caFile()),
                tls.reloadInterval());
    }

    /** The context every port uses: this node's certificate, and trust in the cluster CA. */
    public SSLContext sslContext() {
        return context;
    }

    public TlsRefusals refusals() {
        return refusals;
    }

    /** The material new handshakes use. */
    public TlsMaterial material() {
        return current.material;
    }

    /**
     * Checks the files now and takes their content when it changed and loads.
     *
     * @return true when new material is in use
     * @throws PemException when a changed file does not load (the material in use stays)
     */
    public synchronized boolean reload() {
        byte[][] contents = readAll();
        if (Arrays.deepEquals(contents, lastSeen)) {
            return false;
        }
        lastSeen = contents;
        TlsMaterial next = TlsMaterial.load(certFile, keyFile, caFile);
        Generation g = current;
        previous = g;
        current = generation(g.number + 1, next);
        // A resumed session skips certificate checks: forget the sessions made under the old material, so that a
        // client the new CA no longer trusts cannot come back on one.
        invalidate(context.getServerSessionContext());
        invalidate(context.getClientSessionContext());
        LOG.info("TLS material reloaded: certificate {} (expires {})", subject(next),
                next.chain().get(0).getNotAfter().toInstant());
        return true;
    }

    private void reloadQuietly() {
        try {
            reload();
        } catch (PemException e) {
            LOG.error("TLS files changed but do not load; still using the material loaded before: {}",
                    e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("TLS reload failed; still using the material loaded before", e);
        }
    }

    private byte[][] readAll() {
        Path[] files = {certFile, keyFile, caFile};
        byte[][] out = new byte[files.length][];
        for (int i = 0; i < files.length; i++) {
            try {
                out[i] = Files.readAllBytes(files[i]);
            } catch (IOException e) {
                // Left null: a missing file is a change; loading it reports it with the file's name.
                out[i] = null;
            }
        }
        return out;
    }

    private static void invalidate(SSLSessionContext sessions) {
        for (byte[] id : Collections.list(sessions.getIds())) {
            var s = sessions.getSession(id);
            if (s != null) {
                s.invalidate();
            }
        }
    }

    private static Generation generation(long number, TlsMaterial m) {
        return new Generation(number, m, m.keyManager(), m.trustManager());
    }

    private static String subject(TlsMaterial m) {
        return m.chain().get(0).getSubjectX500Principal().getName();
    }

    /**
     * Makes {@code ch} a TLS connection of port {@code port}: an {@link SslHandler} named {@code "tls"} first in its
     * pipeline, demanding a client certificate from the cluster CA. A client that speaks plaintext gets
     * {@code plaintextAnswer} in plaintext (a hint, when it reads) and the connection is closed; it and a failed
     * handshake are counted and logged ({@link TlsRefusals}).
     */
    public void secure(SocketChannel ch, String port, String plaintextAnswer) {
        SslHandler ssl = netty.newHandler(ch.alloc());
        ch.pipeline().addFirst("tls", ssl);
        ssl.handshakeFuture().addListener(f -> {
            Throwable cause = f.cause();
            if (f.isSuccess() || cause == null) {
                return;
            }
            if (cause instanceof NotSslRecordException) {
                refusals.refused(port, TlsRefusals.PLAINTEXT, ch.remoteAddress(), null);
                ChannelHandlerContext tls = ch.pipeline().context("tls");
                if (tls != null && plaintextAnswer != null) {
                    // Written from the TLS handler's place, so it goes to the socket unencrypted.
                    tls.writeAndFlush(Unpooled.copiedBuffer(plaintextAnswer, StandardCharsets.US_ASCII))
                            .addListener(ChannelFutureListener.CLOSE);
                } else {
                    ch.close();
                }
            } else if (cause instanceof javax.net.ssl.SSLException
                    || cause.getCause() instanceof javax.net.ssl.SSLException) {
                refusals.refused(port, TlsRefusals.HANDSHAKE, ch.remoteAddress(), cause);
            }
            // else the client went away before finishing the handshake (a port check): not a refusal
        });
    }

    @Override
    public void close() {
        if (reloader != null) {
            reloader.shutdownNow();
        }
    }

    /** The key manager of {@link #context}: the current generation's, with aliases tagged by generation number. */
    private final class CurrentKeys extends X509ExtendedKeyManager {
        private String tag(Generation g, String alias) {
            return alias == null ? null : g.number + ":" + alias;
        }

        /** The generation an alias was chosen from (a reload may come between choosing and using it), or null. */
        private Generation of(String alias) {
            if (alias == null) {
                return null;
            }
            int sep = alias.indexOf(':');
            if (sep < 0) {
                return null;
            }
            String n = alias.substring(0, sep);
            for (Generation g : new Generation[] {current, previous}) {
                if (g != null && Long.toString(g.number).equals(n)) {
                    return g;
                }
            }
            return null;
        }

        private String inner(String alias) {
            return alias.substring(alias.indexOf(':') + 1);
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            Generation g = current;
            String[] a = g.keys.getClientAliases(keyType, issuers);
            return a == null ? null : Arrays.stream(a).map(x -> tag(g, x)).toArray(String[]::new);
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            Generation g = current;
            return tag(g, g.keys.chooseClientAlias(keyType, issuers, socket));
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            Generation g = current;
            return tag(g, g.keys.chooseEngineClientAlias(keyType, issuers, engine));
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            Generation g = current;
            String[] a = g.keys.getServerAliases(keyType, issuers);
            return a == null ? null : Arrays.stream(a).map(x -> tag(g, x)).toArray(String[]::new);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            Generation g = current;
            return tag(g, g.keys.chooseServerAlias(keyType, issuers, socket));
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            Generation g = current;
            return tag(g, g.keys.chooseEngineServerAlias(keyType, issuers, engine));
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            Generation g = of(alias);
            return g == null ? null : g.keys.getCertificateChain(inner(alias));
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            Generation g = of(alias);
            return g == null ? null : g.keys.getPrivateKey(inner(alias));
        }
    }

    /**
     * The trust manager of {@link #context}: the chain must end at the current CA. Every variant checks the chain
     * only (the socket and engine variants would add a host-name check that node-to-node trust does not use).
     */
    private final class CurrentTrust extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            current.trust.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            current.trust.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return current.trust.getAcceptedIssuers();
        }
    }
}
