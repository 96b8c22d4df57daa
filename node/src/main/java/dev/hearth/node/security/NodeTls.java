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
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The TLS material of one node and the one {@link SSLContext} every port uses (memcached and admin through Netty,
 * the thin-client port, discovery and communication through Ignite).
 *
 * <p>Each load of the files makes a fresh JDK context; {@link #sslContext()} is a context that hands every new
 * engine and socket to the freshest one. So a reload reaches every port at once: new handshakes use the new
 * certificate, key and CA, while open connections keep what they negotiated. A fresh context also has a fresh session
 * cache and fresh TLS 1.3 ticket keys, so no client can resume a session of the old material (a resumed session skips
 * certificate checks). The files are checked every {@code tls.reloadInterval}; a change that fails to load (a
 * half-written file, a key that does not match the certificate) is logged once and the material in use kept.
 *
 * <p>Trust is the cluster CA only: a peer or client is accepted when its certificate chains to {@code tls.caFile}.
 * Host names are not checked (a node's certificate names the node, not the address a peer dialled).
 */
public final class NodeTls implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(NodeTls.class);

    private final Path certFile;
    private final Path keyFile;
    private final Path caFile;
    private final SSLContext context;
    private final SSLContext peerContext;
    private final JdkSslContext netty;
    private final TlsRefusals refusals = new TlsRefusals();
    private final ScheduledExecutorService reloader;
    private volatile Loaded current;
    /** The load before {@link #current}: a handshake may have chosen its key alias just before a reload. */
    private volatile Loaded previous;
    private final CurrentKeys keys = new CurrentKeys();
    private final CurrentTrust trust = new CurrentTrust(false);
    private final CurrentTrust peerTrust = new CurrentTrust(true);
    /** The file contents of the last load attempt, to load (and log a failure) once per change, not every check. */
    private volatile byte[][] lastSeen;

    /**
     * One load of the files and the JDK context made for it. Every load's context uses the managers of the current
     * load ({@link CurrentKeys}, {@link CurrentTrust}): a listening socket made from an older context (Ignite's
     * discovery opens its listener once) still hands out the current certificate and checks the current CA.
     */
    private record Loaded(long number, TlsMaterial material, X509ExtendedKeyManager keys,
            X509ExtendedTrustManager trust, SSLContext context, SSLContext peerContext) {

        SSLContext of(boolean peers) {
            return peers ? peerContext : context;
        }
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
        this.current = load(1);
        this.lastSeen = contents;
        SSLContext first = current.context;
        context = new SSLContext(new Freshest(false), first.getProvider(), first.getProtocol()) {
        };
        peerContext = new SSLContext(new Freshest(true), first.getProvider(), first.getProtocol()) {
        };
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

    /**
     * The context of the client ports (memcached, admin, thin client) and of this node's calls to its peers' admin
     * ports: this node's certificate, and trust in any certificate of the cluster CA. Follows reloads.
     */
    public SSLContext sslContext() {
        return context;
    }

    /**
     * The context of discovery and communication (node to node): as {@link #sslContext()}, but a peer must present
     * a node certificate ({@link #isNodeCertificate}), so that an application's client certificate from the same CA
     * cannot be used to join the cluster as a node.
     */
    public SSLContext peerContext() {
        return peerContext;
    }

    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

    /**
     * True for a node certificate: one whose extended key usage allows TLS servers (or that restricts no usage). A
     * node is a TLS server to its peers as much as a client; an application certificate issued for clientAuth only
     * is not a node certificate.
     */
    public static boolean isNodeCertificate(X509Certificate leaf) {
        try {
            java.util.List<String> eku = leaf.getExtendedKeyUsage();
            return eku == null || eku.contains(SERVER_AUTH) || eku.contains("2.5.29.37.0");
        } catch (java.security.cert.CertificateParsingException e) {
            return false;
        }
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
        Loaded next = load(current.number + 1);
        previous = current;
        current = next;
        LOG.info("TLS material reloaded: certificate {} (expires {})", subject(next.material),
                next.material.chain().get(0).getNotAfter().toInstant());
        return true;
    }

    private Loaded load(long number) {
        TlsMaterial m = TlsMaterial.load(certFile, keyFile, caFile);
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(new KeyManager[] {keys}, new TrustManager[] {trust}, null);
            SSLContext peers = SSLContext.getInstance("TLS");
            peers.init(new KeyManager[] {keys}, new TrustManager[] {peerTrust}, null);
            return new Loaded(number, m, m.keyManager(), m.trustManager(), ctx, peers);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up the node's TLS context", e);
        }
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

    /** The SPI of {@link #context}: everything new comes from the context of the last load. */
    private final class Freshest extends SSLContextSpi {
        private final boolean peers;

        Freshest(boolean peers) {
            this.peers = peers;
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) {
            throw new UnsupportedOperationException("the node's TLS context is set up from its files");
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return new FreshestSockets(peers);
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return new FreshestServerSockets(peers);
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return current.of(peers).createSSLEngine();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            return current.of(peers).createSSLEngine(host, port);
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return current.of(peers).getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return current.of(peers).getClientSessionContext();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return current.of(peers).getDefaultSSLParameters();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return current.of(peers).getSupportedSSLParameters();
        }
    }

    /** Client sockets of the last load's context (Ignite's discovery fetches its socket factory once). */
    private final class FreshestSockets extends SSLSocketFactory {
        private final boolean peers;

        FreshestSockets(boolean peers) {
            this.peers = peers;
        }

        private SSLSocketFactory f() {
            return current.of(peers).getSocketFactory();
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return f().getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return f().getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket() throws IOException {
            return f().createSocket();
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return f().createSocket(s, host, port, autoClose);
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return f().createSocket(host, port);
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return f().createSocket(host, port, localHost, localPort);
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return f().createSocket(host, port);
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return f().createSocket(address, port, localAddress, localPort);
        }
    }

    /**
     * Server sockets of the last load's context. A listening socket keeps the context it was made with (Ignite's
     * discovery opens one at start): its handshakes use the current material through the shared managers, but it
     * keeps its session cache, so a peer may resume a session made before a reload (docs/security.md,
     * "Certificate rotation").
     */
    private final class FreshestServerSockets extends SSLServerSocketFactory {
        private final boolean peers;

        FreshestServerSockets(boolean peers) {
            this.peers = peers;
        }

        private SSLServerSocketFactory f() {
            return current.of(peers).getServerSocketFactory();
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return f().getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return f().getSupportedCipherSuites();
        }

        @Override
        public ServerSocket createServerSocket() throws IOException {
            return f().createServerSocket();
        }

        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            return f().createServerSocket(port);
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog) throws IOException {
            return f().createServerSocket(port, backlog);
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog, InetAddress address) throws IOException {
            return f().createServerSocket(port, backlog, address);
        }
    }

    /** The key manager of every load's context: the current load's, with aliases tagged by load number. */
    private final class CurrentKeys extends X509ExtendedKeyManager {
        private String tag(Loaded g, String alias) {
            return alias == null ? null : g.number + ":" + alias;
        }

        /** The load an alias was chosen from (a reload may come between choosing and using it), or null. */
        private Loaded of(String alias) {
            int sep = alias == null ? -1 : alias.indexOf(':');
            if (sep < 0) {
                return null;
            }
            String n = alias.substring(0, sep);
            for (Loaded g : new Loaded[] {current, previous}) {
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
            Loaded g = current;
            String[] a = g.keys.getClientAliases(keyType, issuers);
            return a == null ? null : Arrays.stream(a).map(x -> tag(g, x)).toArray(String[]::new);
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            Loaded g = current;
            return tag(g, g.keys.chooseClientAlias(keyType, issuers, socket));
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            Loaded g = current;
            return tag(g, g.keys.chooseEngineClientAlias(keyType, issuers, engine));
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            Loaded g = current;
            String[] a = g.keys.getServerAliases(keyType, issuers);
            return a == null ? null : Arrays.stream(a).map(x -> tag(g, x)).toArray(String[]::new);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            Loaded g = current;
            return tag(g, g.keys.chooseServerAlias(keyType, issuers, socket));
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            Loaded g = current;
            return tag(g, g.keys.chooseEngineServerAlias(keyType, issuers, engine));
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            Loaded g = of(alias);
            return g == null ? null : g.keys.getCertificateChain(inner(alias));
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            Loaded g = of(alias);
            return g == null ? null : g.keys.getPrivateKey(inner(alias));
        }
    }

    /**
     * The trust manager of every load's context: the chain must end at the current CA, and, for discovery and
     * communication, be a node's; nothing else is checked (the socket and engine variants of the JDK's trust manager would add a host-name check, which node-to-node
     * trust does not use).
     */
    private final class CurrentTrust extends X509ExtendedTrustManager {
        /** Peers must be nodes: see {@link #peerContext()}. */
        private final boolean nodesOnly;

        CurrentTrust(boolean nodesOnly) {
            this.nodesOnly = nodesOnly;
        }

        private void checkNode(X509Certificate[] chain) throws CertificateException {
            if (nodesOnly && (chain == null || chain.length == 0 || !isNodeCertificate(chain[0]))) {
                throw new CertificateException("not a node certificate (its extended key usage does not include "
                        + "serverAuth): " + (chain == null || chain.length == 0 ? "none"
                        : chain[0].getSubjectX500Principal().getName()));
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            current.trust.checkClientTrusted(chain, authType);
            checkNode(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            current.trust.checkServerTrusted(chain, authType);
            checkNode(chain);
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
