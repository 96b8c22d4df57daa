package dev.hearth.node.memcached;

import dev.hearth.node.cache.CacheService;
import dev.hearth.node.cache.OperationStats;
import dev.hearth.node.config.HearthConfig;
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
 * byte), a Netty adapter over {@link CacheService}. It binds before the node joins the cluster (so its real port
 * can be advertised) but reads nothing until {@link #ready} hands it the cache service: connections made meanwhile
 * wait. It enforces memcached.maxConnections ("ERROR Too many open connections", as memcached) and
 * memcached.idleTimeout.
 */
public final class MemcachedServer implements AutoCloseable {
    /** The memcached version whose protocol behaviour this endpoint reproduces (and reports). */
    public static final String VERSION = "1.6.18";
    private static final Logger LOG = LogManager.getLogger(MemcachedServer.class);
    private static final byte[] TOO_MANY = "ERROR Too many open connections\r\n".getBytes(StandardCharsets.US_ASCII);

    private final Endpoint endpoint;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ScheduledExecutorService scheduler;
    private final ChannelGroup connections = new DefaultChannelGroup("memcached", GlobalEventExecutor.INSTANCE);
    private final ConnectionGate gate = new ConnectionGate();
    private Channel serverChannel;
    private volatile boolean accepting;

    public MemcachedServer(HearthConfig.Memcached settings, OperationStats ops) {
        this(settings, ops, 0);
    }

    /** @param ioThreads event-loop threads (0 = Netty's default, two per core) */
    public MemcachedServer(HearthConfig.Memcached settings, OperationStats ops, int ioThreads) {
        this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon("hearth-memcached-flush"));
        this.endpoint = new Endpoint(settings, ops, scheduler);
        this.boss = new NioEventLoopGroup(1, daemon("hearth-memcached-accept"));
        this.workers = new NioEventLoopGroup(ioThreads, daemon("hearth-memcached-io"));
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Binds and returns the port bound (useful when {@code port} is 0). Reads nothing until {@link #ready}. */
    public int start(String host, int port) throws InterruptedException {
        long idleSeconds = endpoint.settings.idleTimeout().toSeconds();
        serverChannel = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (idleSeconds > 0) { // first, so its events reach the gate, which closes the channel
                            ch.pipeline().addLast("idle", new IdleStateHandler(idleSeconds, 0, 0, TimeUnit.SECONDS));
                        }
                        ch.pipeline().addLast("gate", gate);
                        ch.pipeline().addLast("detect", new ProtocolDetector(endpoint));
                    }
                })
                .bind(host, port).sync().channel();
        int bound = ((InetSocketAddress) serverChannel.localAddress()).getPort();
        endpoint.port = bound;
        accepting = true;
        return bound;
    }

    /** Starts serving: connections that were waiting for the cache service start being read. */
    public void ready(CacheService cache) {
        endpoint.cache = cache;
        for (Channel ch : connections) {
            ch.config().setAutoRead(true);
        }
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

    /** Stops accepting new connections; open ones keep being served until {@link #close}. */
    public void stopAccepting() {
        accepting = false;
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() {
        stopAccepting();
        connections.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        scheduler.shutdownNow();
    }

    /** Counts connections, enforces the limit, holds reads until ready, closes idle ones, counts bytes. */
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
            if (endpoint.cache == null) {
                ctx.channel().config().setAutoRead(false);
                if (endpoint.cache != null) { // ready() ran meanwhile
                    ctx.channel().config().setAutoRead(true);
                }
            }
            ctx.fireChannelActive();
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
