package dev.hearth.node.memcached;

import dev.hearth.node.cache.CacheService;
import dev.hearth.node.cache.OperationStats;
import dev.hearth.node.config.HearthConfig;
import dev.hearth.node.security.NodeTls;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The memcached listener: text, meta and binary protocols on one port (detected per connection by the first
 * byte), a Netty adapter over {@link CacheService}. It enforces memcached.maxConnections ("ERROR Too many open
 * connections", as memcached) and memcached.idleTimeout.
 *
 * <p>Starting: {@link #start} reserves the port before the node joins the cluster (so a port conflict fails the
 * start at once, and the real port can be advertised when 0 was asked) but does not listen; {@link #ready} listens.
 * A client therefore sees "connection refused" while the node joins, and moves the keys of this server to another
 * one (memcached clients' usual failover), instead of a connection whose commands wait unanswered for the whole
 * join (seconds: every one of them would time out at the client).
 *
 * <p>Stopping: {@link #drain} stops listening, then closes each open connection as soon as it has answered
 * everything it received, so no request already sent is dropped unanswered; {@link #close} closes what is left.
 */
public final class MemcachedServer implements AutoCloseable {
    /** The memcached version whose protocol behaviour this endpoint reproduces (and reports). */
    public static final String VERSION = "1.6.18";
    private static final Logger LOG = LogManager.getLogger(MemcachedServer.class);
    private static final byte[] TOO_MANY = "ERROR Too many open connections\r\n".getBytes(StandardCharsets.US_ASCII);
    /** What a plaintext client of a TLS port reads before the connection closes. */
    static final String TLS_REQUIRED = "CLIENT_ERROR this port requires TLS (tls.enabled)\r\n";

    private final Endpoint endpoint;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ScheduledExecutorService scheduler;
    /** Null: plaintext. */
    private final NodeTls tls;
    private final ChannelGroup connections = new DefaultChannelGroup("memcached", GlobalEventExecutor.INSTANCE);
    private final ConnectionGate gate = new ConnectionGate();
    private Channel serverChannel;
    private java.nio.channels.SocketChannel reservation;
    private String host;
    private volatile boolean accepting;

    /** A plaintext port; its event loops are {@code settings.eventLoopThreads()}. */
    public MemcachedServer(HearthConfig.Memcached settings, OperationStats ops) {
        this(settings, ops, null);
    }

    /**
     * @param settings the port's settings, its event-loop count among them ({@code eventLoopThreads})
     * @param tls the node's TLS (every connection must speak it, with a client certificate), or null for plaintext
     */
    public MemcachedServer(HearthConfig.Memcached settings, OperationStats ops, NodeTls tls) {
        this.tls = tls;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon("hearth-memcached-flush"));
        try {
            this.endpoint = new Endpoint(settings, ops, scheduler);
        } catch (RuntimeException e) { // the users file could not be read
            scheduler.shutdownNow();
            throw e;
        }
        this.boss = new NioEventLoopGroup(1, daemon("hearth-memcached-accept"));
        this.workers = new NioEventLoopGroup(settings.eventLoopThreads(), daemon("hearth-memcached-io"));
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Reserves the port (bound, not listening: connections are refused until {@link #ready}) and returns it
     * (useful when {@code port} is 0).
     *
     * @throws IllegalStateException when the port cannot be bound (in use, bad address)
     */
    public int start(String host, int port) {
        try {
            reservation = java.nio.channels.SocketChannel.open();
            // As the listener binds (SO_REUSEADDR): the last run's connections may linger in TIME_WAIT on this port.
            // A socket listening there (another process) still makes the bind fail.
            reservation.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true);
            reservation.bind(new InetSocketAddress(host, port));
            endpoint.port = ((InetSocketAddress) reservation.getLocalAddress()).getPort();
        } catch (java.io.IOException e) {
            closeReservation();
            throw new IllegalStateException("memcached port " + port + " on " + host + " is not available: "
                    + e.getMessage(), e);
        }
        this.host = host;
        return endpoint.port;
    }

    private void closeReservation() {
        if (reservation != null) {
            try {
                reservation.close();
            } catch (java.io.IOException e) {
                LOG.warn("closing the memcached port reservation: {}", e.toString());
            }
            reservation = null;
        }
    }

    /**
     * Starts serving: listens on the reserved port. The reservation is released just before (a socket that never
     * connected leaves no TIME_WAIT), so the port is free for the listener unless another process grabs it in that
     * instant, which fails the start with a clear message.
     */
    public void ready(CacheService cache) {
        endpoint.cache = cache;
        long idleSeconds = endpoint.settings.idleTimeout().toSeconds();
        int port = endpoint.port;
        closeReservation();
        try {
            serverChannel = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                            new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (tls != null) { // "tls" goes first: everything after it sees plaintext
                                tls.secure(ch, "memcached", TLS_REQUIRED);
                            }
                            if (idleSeconds > 0) { // first, so its events reach the gate, which closes the channel
                                ch.pipeline().addLast("idle", new IdleStateHandler(idleSeconds, 0, 0,
                                        TimeUnit.SECONDS));
                            }
                            ch.pipeline().addLast("gate", gate);
                            ch.pipeline().addLast("detect", new ProtocolDetector(endpoint));
                        }
                    })
                    .bind(host, port).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            throw new IllegalStateException("memcached port " + port + " on " + host + " could not be opened: "
                    + e, e);
        }
        accepting = true;
    }

    /** What the node does when memory ran out under a connection: it is given the figures, and leaves. */
    public void onExhausted(java.util.function.Consumer<String> exhausted) {
        endpoint.exhausted = exhausted;
    }

    /**
     * The node's tenant flush, once its tenant service is up: an authenticated tenant's FLUSH goes through it (and
     * is answered with an error before).
     */
    public void tenantFlush(TenantFlush flush) {
        endpoint.tenantFlush = flush;
    }

    /** True while the port is open and commands are served. */
    public boolean accepting() {
        return accepting && endpoint.cache != null && serverChannel != null && serverChannel.isActive();
    }

    public int port() {
        return endpoint.port;
    }

    /** Connections open now. */
    public int connections() {
        return endpoint.stats.currConnections.get();
    }

    /** Stops accepting new connections; open ones keep being served until {@link #drain} or {@link #close}. */
    public void stopAccepting() {
        accepting = false;
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        closeReservation();
    }

    /**
     * Graceful end of service: stops listening, then asks every connection to close once it has answered every
     * request it received (requests that arrive meanwhile are still served: the cache service works until the node
     * leaves the cluster). Waits up to {@code timeout} for them; those left are closed by {@link #close}.
     *
     * <p>What a client sees: a memcached client that keeps a connection per server learns that a server went away
     * only from the connection closing. No request it sent before the close is lost. A request it writes after the
     * close cannot be answered by anyone; memcached clients such as spymemcached report that one request as
     * failed (it is not retried) and send the following ones to the next server.
     *
     * @return the connections still open when the timeout ran out
     */
    public int drain(java.time.Duration timeout) {
        stopAccepting();
        endpoint.draining = true;
        for (Channel ch : connections) {
            ch.pipeline().fireUserEventTriggered(Endpoint.DRAIN);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!connections.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int left = connections.size();
        if (left > 0) {
            LOG.warn("{} memcached connection(s) still had requests in flight after {} ms; closing them",
                    left, timeout.toMillis());
        }
        return left;
    }

    @Override
    public void close() {
        stopAccepting();
        connections.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        scheduler.shutdownNow();
        if (endpoint.credentials != null) {
            endpoint.credentials.close();
        }
    }

    /**
     * Counts connections, enforces the limit, closes idle ones, counts bytes. It holds nothing back while the node
     * joins: the port does not listen until {@link #ready}, so no connection exists before.
     */
    @ChannelHandler.Sharable
    private final class ConnectionGate extends ChannelDuplexHandler {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            MemcachedStats st = endpoint.stats;
            int now = st.currConnections.incrementAndGet();
            st.totalConnections.increment();
            if (now > endpoint.settings.maxConnections()) {
                st.rejectedConnections.increment();
                endpoint.ops.record("memcached.connection", "rejected");
                ctx.channel().config().setAutoRead(false);
                ctx.writeAndFlush(Unpooled.wrappedBuffer(TOO_MANY)).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            endpoint.ops.record("memcached.connection", "accepted");
            connections.add(ctx.channel());
            ctx.fireChannelActive();
            if (endpoint.draining) { // accepted just before the listener closed: nothing sent yet, nothing lost
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            endpoint.stats.currConnections.decrementAndGet();
            ctx.fireChannelInactive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf b) {
                endpoint.stats.bytesRead.add(b.readableBytes());
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof ByteBuf b) {
                endpoint.stats.bytesWritten.add(b.readableBytes());
            }
            ctx.write(msg, promise);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == Endpoint.DRAIN && ctx.pipeline().get(ProtocolDetector.class) != null) {
                ctx.close(); // no protocol detected yet: this connection has sent nothing
                return;
            }
            if (evt instanceof IdleStateEvent) {
                LOG.debug("closing idle memcached connection {}", ctx.channel().remoteAddress());
                ctx.close();
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("memcached connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }
}
