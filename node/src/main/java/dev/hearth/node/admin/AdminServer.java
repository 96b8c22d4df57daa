package dev.hearth.node.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.hearth.node.cache.OperationStats;
import dev.hearth.node.status.NodeStatus;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The admin HTTP port: health, readiness, status, metrics. A thin adapter over {@link NodeStatus} and the cache
 * service's counters; anything that may block runs on a small executor, never on the event loop.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(AdminServer.class);
    private static final int MAX_REQUEST_BYTES = 64 * 1024;

    private final NodeStatus status;
    private final OperationStats ops;
    private final MetricsRenderer metrics = new MetricsRenderer();
    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final EventLoopGroup group = new NioEventLoopGroup(1, (java.util.concurrent.ThreadFactory) r -> daemon(r, "hearth-admin-io"));
    private final ThreadPoolExecutor workers = new ThreadPoolExecutor(2, 2, 0, TimeUnit.MILLISECONDS,
            new java.util.concurrent.ArrayBlockingQueue<>(64), r -> daemon(r, "hearth-admin-worker"));
    private Channel channel;

    public AdminServer(NodeStatus status, OperationStats ops) {
        this.status = status;
        this.ops = ops;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Binds and returns the port bound (useful when {@code port} is 0). */
    public int start(String host, int port) throws InterruptedException {
        channel = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(new ReadTimeoutHandler(30))
                                .addLast(new HttpServerCodec(4096, 8192, 8192))
                                .addLast(new HttpObjectAggregator(MAX_REQUEST_BYTES))
                                .addLast(new Handler());
                    }
                })
                .bind(host, port).sync().channel();
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        workers.shutdownNow();
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (!req.decoderResult().isSuccess()) {
                send(ctx, keepAlive, error(HttpResponseStatus.BAD_REQUEST, "malformed request"));
                return;
            }
            String path = new QueryStringDecoder(req.uri()).path();
            HttpMethod method = req.method();
            Route route = Route.of(path);
            if (route == null) {
                send(ctx, keepAlive, error(HttpResponseStatus.NOT_FOUND, "no such path: " + path
                        + " (try /health/live, /health/ready, /status, /metrics)"));
                return;
            }
            if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
                FullHttpResponse r = error(HttpResponseStatus.METHOD_NOT_ALLOWED,
                        "method " + method + " not allowed on " + path);
                r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
                send(ctx, keepAlive, r);
                return;
            }
            if (route == Route.LIVE) {
                send(ctx, keepAlive, jsonResponse(HttpResponseStatus.OK, Map.of("status", "live")));
                return;
            }
            try {
                workers.execute(() -> {
                    FullHttpResponse r;
                    try {
                        r = handle(route);
                    } catch (IllegalStateException e) {
                        r = error(HttpResponseStatus.SERVICE_UNAVAILABLE, e.getMessage());
                    } catch (RuntimeException e) {
                        LOG.warn("admin {} failed", path, e);
                        r = error(HttpResponseStatus.INTERNAL_SERVER_ERROR, e.toString());
                    }
                    send(ctx, keepAlive, r);
                });
            } catch (RejectedExecutionException e) {
                send(ctx, keepAlive, error(HttpResponseStatus.SERVICE_UNAVAILABLE, "admin port overloaded"));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("admin connection error: {}", cause.toString());
            ctx.close();
        }
    }

    private FullHttpResponse handle(Route route) {
        switch (route) {
            case READY: {
                NodeStatus.Readiness r = status.readiness();
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("ready", r.ready());
                body.put("reason", r.reason());
                return jsonResponse(r.ready() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, body);
            }
            case STATUS:
                return jsonResponse(HttpResponseStatus.OK, status.snapshot());
            case METRICS: {
                byte[] body = metrics.render(status.snapshot(), ops);
                FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.wrappedBuffer(body));
                r.headers().set(HttpHeaderNames.CONTENT_TYPE, MetricsRenderer.CONTENT_TYPE);
                return r;
            }
            default:
                throw new IllegalStateException("unrouted " + route);
        }
    }

    private FullHttpResponse jsonResponse(HttpResponseStatus code, Object body) {
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(body);
        } catch (Exception e) {
            throw new IllegalStateException("cannot serialise " + body.getClass().getSimpleName(), e);
        }
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, code, Unpooled.wrappedBuffer(bytes));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        return r;
    }

    private FullHttpResponse error(HttpResponseStatus code, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", code.reasonPhrase());
        body.put("status", code.code());
        body.put("message", message);
        return jsonResponse(code, body);
    }

    private static void send(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse r) {
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
        if (keepAlive) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(r);
        } else {
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private enum Route {
        LIVE("/health/live"), READY("/health/ready"), STATUS("/status"), METRICS("/metrics");

        private final String path;

        Route(String path) {
            this.path = path;
        }

        static Route of(String path) {
            String p = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
            for (Route r : values()) {
                if (r.path.equals(p)) {
                    return r;
                }
            }
            return null;
        }
    }

}
