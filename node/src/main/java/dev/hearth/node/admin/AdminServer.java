package dev.hearth.node.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.hearth.node.cache.OperationStats;
import dev.hearth.node.health.NodeActivity;
import dev.hearth.node.health.NodeStatus;
import dev.hearth.node.integrity.IntegrityOperations;
import dev.hearth.node.security.NodeTls;
import dev.hearth.node.tenant.TenantOperations;
import dev.hearth.wire.status.MembershipView;
import dev.hearth.wire.status.Readiness;
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
 *
 * <p>Every request passes, in this order: route (404), method (405), {@link OriginCheck} (403), then the route's
 * {@link Access} against the {@link AdminToken} (401 without a bearer token, 403 with a wrong one). Actions and
 * refusals go to the {@link AdminAudit} log.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(AdminServer.class);
    private static final int MAX_REQUEST_BYTES = 64 * 1024;

    private final NodeStatus status;
    private final OperationStats ops;
    private final AdminToken token;
    private final boolean openMetrics;
    private volatile java.util.function.Supplier<NodeActivity> activity = () -> NodeActivity.NONE;
    private volatile OriginCheck origins = new OriginCheck(null);
    private volatile AdminOperations operations;
    private volatile IntegrityOperations integrity;
    private volatile TenantOperations tenantOperations;
    private volatile MembershipOperations membership;
    private final MetricsRenderer metrics = new MetricsRenderer();
    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final EventLoopGroup group = new NioEventLoopGroup(1, (java.util.concurrent.ThreadFactory) r -> daemon(r, "hearth-admin-io"));
    /** Requests that may block (status, actions) run here, off the event loop. */
    private final java.util.concurrent.ExecutorService workers;
    private Channel channel;
    /** Null: plain HTTP. */
    private final NodeTls tls;

    /** What a plain-HTTP client of an HTTPS admin port reads before the connection closes. */
    static final String HTTPS_REQUIRED;

    static {
        String body = "This admin port speaks HTTPS only (tls.enabled): use https:// and a client certificate "
                + "signed by the cluster CA.\n";
        HTTPS_REQUIRED = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n"
                + "Content-Length: " + body.length() + "\r\n\r\n" + body;
    }

    /**
     * @param token what protected routes need ({@link AdminToken#none()}: every route is open)
     * @param openMetrics {@code /metrics} answers without the token
     * @param tls the node's TLS (HTTPS with a client certificate from the cluster CA), or null for plain HTTP
     */
    public AdminServer(NodeStatus status, OperationStats ops, AdminToken token, boolean openMetrics, NodeTls tls) {
        this(status, ops, token, openMetrics, tls, new ThreadPoolExecutor(2, 2, 0, TimeUnit.MILLISECONDS,
                new java.util.concurrent.ArrayBlockingQueue<>(64), r -> daemon(r, "hearth-admin-worker")));
    }

    /**
     * @param workers where blocking requests run; the fuzz test passes one that runs them at once, on the thread
     *     that decoded them: its embedded channel is not safe to write from a second thread
     */
    AdminServer(NodeStatus status, OperationStats ops, AdminToken token, boolean openMetrics, NodeTls tls,
            java.util.concurrent.ExecutorService workers) {
        this.status = status;
        this.ops = ops;
        this.token = token;
        this.openMetrics = openMetrics;
        this.tls = tls;
        this.workers = workers;
    }

    /** An open admin port (no token) over plain HTTP: tests and tools. */
    public AdminServer(NodeStatus status, OperationStats ops) {
        this(status, ops, AdminToken.none(), true, null);
    }

    /** An open admin port (no token), over HTTPS when {@code tls} is not null: tests. */
    public AdminServer(NodeStatus status, OperationStats ops, NodeTls tls) {
        this(status, ops, AdminToken.none(), true, tls);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Enables the {@code /admin/...} actions; until then they answer 503. */
    public void operations(AdminOperations operations) {
        this.operations = operations;
    }

    /** Enables verify, repair, zone recovery and (if configured) the damage hook; until then they answer 503. */
    public void integrity(IntegrityOperations integrity) {
        this.integrity = integrity;
    }

    /** Enables the zone and tenant routes ({@code /admin/zones...}, {@code /admin/tenants...}); until then 503. */
    public void tenantOperations(TenantOperations operations) {
        this.tenantOperations = operations;
    }

    /** What {@code /metrics} reports of connections, dumps and jobs; {@link NodeActivity#NONE} until set. */
    public void activity(java.util.function.Supplier<NodeActivity> activity) {
        this.activity = activity;
    }

    /** Enables {@code /membership} and {@code /admin/membership/forget}; until then they answer 503. */
    public void membership(MembershipOperations membership) {
        this.membership = membership;
    }

    /** Binds and returns the port bound (useful when {@code port} is 0). */
    public int start(String host, int port) throws InterruptedException {
        origins = new OriginCheck(host);
        channel = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null) {
                            tls.secure(ch, "admin", HTTPS_REQUIRED);
                        }
                        ch.pipeline().addLast(new ReadTimeoutHandler(30));
                        http(ch.pipeline());
                    }
                })
                .bind(host, port).sync().channel();
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /**
     * The HTTP part of a connection's pipeline: what every request goes through after TLS. Package-private for the
     * fuzz test, which feeds it arbitrary bytes.
     */
    void http(io.netty.channel.ChannelPipeline p) {
        p.addLast(new HttpServerCodec(4096, 8192, 8192))
                .addLast(new HttpObjectAggregator(MAX_REQUEST_BYTES))
                .addLast(new Handler());
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
            QueryStringDecoder uri = new QueryStringDecoder(req.uri());
            String path = uri.path().length() > 1 && uri.path().endsWith("/")
                    ? uri.path().substring(0, uri.path().length() - 1) : uri.path();
            HttpMethod method = req.method().equals(HttpMethod.HEAD) ? HttpMethod.GET : req.method();
            Route route = Route.match(path);
            if (route == null) {
                send(ctx, keepAlive, error(HttpResponseStatus.NOT_FOUND, "no such path: " + path
                        + " (try /health/live, /health/ready, /status, /metrics, /membership, /admin/dumps, /admin/warmup, "
                        + "/admin/verify, /admin/zones, /admin/tenants)"));
                return;
            }
            if (!route.methods.contains(method.name())) {
                FullHttpResponse r = error(HttpResponseStatus.METHOD_NOT_ALLOWED,
                        "method " + req.method() + " not allowed on " + path);
                r.headers().set(HttpHeaderNames.ALLOW, String.join(", ", route.methods));
                send(ctx, keepAlive, r);
                return;
            }
            Request request = new Request(method.name(), path, uri.parameters());
            String remote = String.valueOf(ctx.channel().remoteAddress());
            AdminToken.Verdict verdict = token.check(req.headers().get(HttpHeaderNames.AUTHORIZATION));
            FullHttpResponse refused = refusal(route, req, verdict);
            if (refused != null) {
                reply(ctx, keepAlive, route, request, remote, verdict.who(), refused);
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
                        r = handle(route, request);
                    } catch (IllegalArgumentException e) {
                        r = error(HttpResponseStatus.BAD_REQUEST, e.getMessage());
                    } catch (java.util.NoSuchElementException e) {
                        r = error(HttpResponseStatus.NOT_FOUND, e.getMessage());
                    } catch (IllegalStateException e) {
                        r = error(route.action ? HttpResponseStatus.CONFLICT : HttpResponseStatus.SERVICE_UNAVAILABLE,
                                e.getMessage());
                    } catch (RuntimeException e) {
                        LOG.warn("admin {} {} failed", method, path, e);
                        r = error(HttpResponseStatus.INTERNAL_SERVER_ERROR, e.toString());
                    }
                    reply(ctx, keepAlive, route, request, remote, verdict.who(), r);
                });
            } catch (RejectedExecutionException e) {
                reply(ctx, keepAlive, route, request, remote, verdict.who(),
                        error(HttpResponseStatus.SERVICE_UNAVAILABLE, "admin port overloaded"));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("admin connection error: {}", cause.toString());
            ctx.close();
        }
    }

    /** Whether {@code route} needs the token on this node: the one place that applies {@link Access}. */
    private boolean needsToken(Route route) {
        return switch (route.access) {
            case OPEN -> false;
            case METRICS -> !openMetrics;
            case TOKEN -> true;
        };
    }

    /** The 403 or 401 answer for a request from a foreign origin or without the right token; null if it may pass. */
    private FullHttpResponse refusal(Route route, FullHttpRequest req, AdminToken.Verdict verdict) {
        String foreign = origins.refusal(req.headers().get(HttpHeaderNames.ORIGIN),
                req.headers().get(HttpHeaderNames.HOST));
        if (foreign != null) {
            return error(HttpResponseStatus.FORBIDDEN, foreign);
        }
        if (!needsToken(route)) {
            return null;
        }
        return switch (verdict.result()) {
            case ACCEPTED -> null;
            case MISSING -> {
                FullHttpResponse r = error(HttpResponseStatus.UNAUTHORIZED, route.pattern + " needs the admin token: "
                        + "send Authorization: Bearer <token> (the node's admin.token or admin.tokenFile; hearthctl "
                        + "--token or HEARTH_TOKEN)");
                r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"hearth-admin\"");
                yield r;
            }
            case WRONG -> error(HttpResponseStatus.FORBIDDEN, "the bearer token is not this node's admin token");
        };
    }

    /** Sends {@code r}, and writes the audit line when this request is one that is audited. */
    private static void reply(ChannelHandlerContext ctx, boolean keepAlive, Route route, Request request,
            String remote, String who, FullHttpResponse r) {
        AdminAudit.record(route.name(), request.method(), request.path(), request.params(), remote, who,
                r.status().code());
        send(ctx, keepAlive, r);
    }

    private record Request(String method, String path, Map<String, java.util.List<String>> params) {
        String param(String name) {
            java.util.List<String> v = params.get(name);
            return v == null || v.isEmpty() || v.get(0).isBlank() ? null : v.get(0);
        }

        java.util.List<String> list(String name) {
            java.util.List<String> out = new java.util.ArrayList<>();
            for (String v : params.getOrDefault(name, java.util.List.of())) {
                for (String part : v.split(",")) {
                    if (!part.isBlank()) {
                        out.add(part.trim());
                    }
                }
            }
            return out;
        }

        long number(String name, long dflt) {
            String v = param(name);
            if (v == null) {
                return dflt;
            }
            try {
                long n = Long.parseLong(v);
                if (n < 0) {
                    throw new NumberFormatException();
                }
                return n;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("parameter " + name + "='" + v + "' is not a non-negative number");
            }
        }

        boolean flag(String name) {
            String v = param(name);
            if (v == null) {
                return false;
            }
            if (!v.equals("true") && !v.equals("false")) {
                throw new IllegalArgumentException("parameter " + name + "='" + v + "' must be true or false");
            }
            return v.equals("true");
        }

        /** Path segment {@code i} (0 is the empty one before the first slash). */
        String segment(int i) {
            String[] parts = path.split("/");
            return i < parts.length ? parts[i] : null;
        }

        boolean requiredFlag(String name) {
            if (param(name) == null) {
                throw new IllegalArgumentException("parameter " + name + "=true|false is required");
            }
            return flag(name);
        }

        /** The {name} in /admin/dumps/{name}[/verify]. */
        String dumpName() {
            String rest = path.substring("/admin/dumps/".length());
            int slash = rest.indexOf('/');
            return slash < 0 ? rest : rest.substring(0, slash);
        }
    }

    private FullHttpResponse handle(Route route, Request req) {
        switch (route) {
            case READY: {
                Readiness r = status.readiness();
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("ready", r.ready());
                body.put("reason", r.reason());
                return jsonResponse(r.ready() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, body);
            }
            case STATUS:
                return jsonResponse(HttpResponseStatus.OK, status.snapshot());
            case METRICS: {
                TenantOperations t = tenantOperations;
                byte[] body = metrics.render(status.snapshot(), ops, t == null ? null : t.figures(),
                        tls == null ? null : tls.refusals(), activity.get());
                FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.wrappedBuffer(body));
                r.headers().set(HttpHeaderNames.CONTENT_TYPE, MetricsRenderer.CONTENT_TYPE);
                return r;
            }
            case MEMBERSHIP:
            case MEMBERSHIP_FORGET: {
                MembershipOperations m = membership;
                if (m == null) {
                    return error(HttpResponseStatus.SERVICE_UNAVAILABLE, Readiness.STILL_STARTING);
                }
                if (route == Route.MEMBERSHIP_FORGET) {
                    String node = req.param("node");
                    if (node == null) {
                        throw new IllegalArgumentException("parameter node=NAME is required");
                    }
                    return jsonResponse(HttpResponseStatus.OK, membershipBody(m.self(), m.forget(node)));
                }
                return jsonResponse(HttpResponseStatus.OK, membershipBody(m.self(), m.view()));
            }
            default:
                break;
        }
        if (route.integrity) {
            IntegrityOperations i = integrity;
            if (i == null) {
                return error(HttpResponseStatus.SERVICE_UNAVAILABLE, Readiness.STILL_STARTING);
            }
            return switch (route) {
                case VERIFY -> req.method().equals("POST")
                        ? jsonResponse(HttpResponseStatus.ACCEPTED, i.startVerify(req.param("zone"),
                                req.param("tenant"), req.flag("repair"), req.number("rate", 0)))
                        : jsonResponse(HttpResponseStatus.OK, i.verifyJobs());
                case VERIFY_JOB -> jsonResponse(HttpResponseStatus.OK, i.verifyJob(req.segment(3)));
                case RECOVER_START -> jsonResponse(HttpResponseStatus.ACCEPTED,
                        i.startRecover(req.segment(3), req.number("rate", 0), req.param("by")));
                case RECOVER_JOB -> jsonResponse(HttpResponseStatus.OK, i.recoverJob(req.segment(3)));
                case VERIFY_CANCEL -> jsonResponse(HttpResponseStatus.OK, i.cancelVerify(req.segment(3)));
                case RECOVER_CANCEL -> jsonResponse(HttpResponseStatus.OK, i.cancelRecover(req.segment(3)));
                case DAMAGE -> jsonResponse(HttpResponseStatus.OK, i.damage(req.param("zone"), req.param("kind"),
                        req.number("count", 1), req.param("tenant"), req.param("node")));
                default -> throw new IllegalStateException("unrouted " + route);
            };
        }
        FullHttpResponse tenantReply = handleTenants(route, req);
        if (tenantReply != null) {
            return tenantReply;
        }
        AdminOperations o = operations;
        if (o == null) {
            return error(HttpResponseStatus.SERVICE_UNAVAILABLE, Readiness.STILL_STARTING);
        }
        return switch (route) {
            case SHUTDOWN -> jsonResponse(HttpResponseStatus.ACCEPTED, o.shutdown(req.flag("force")));
            case DUMPS -> req.method().equals("POST")
                    ? jsonResponse(HttpResponseStatus.ACCEPTED, o.startDump(req.param("name"), req.list("zone")))
                    : jsonResponse(HttpResponseStatus.OK, o.listDumps());
            case DUMP -> jsonResponse(HttpResponseStatus.OK, o.dump(req.dumpName()));
            case DUMP_VERIFY -> jsonResponse(HttpResponseStatus.OK, o.verifyDump(req.dumpName()));
            case DUMP_DELETE -> jsonResponse(HttpResponseStatus.OK, o.deleteDump(req.dumpName()));
            case WARMUP -> req.method().equals("POST")
                    ? jsonResponse(HttpResponseStatus.ACCEPTED,
                            o.startWarmup(req.param("from"), req.param("zone"), req.number("rate", 0)))
                    : jsonResponse(HttpResponseStatus.OK, o.warmupStatus());
            case WARMUP_CANCEL -> jsonResponse(HttpResponseStatus.OK, o.cancelWarmup());
            default -> throw new IllegalStateException("unrouted " + route);
        };
    }

    /** The zone and tenant routes, or null for any other route. */
    private FullHttpResponse handleTenants(Route route, Request req) {
        if (!route.name().startsWith("ZONE") && !route.name().startsWith("TENANT")) {
            return null;
        }
        TenantOperations t = tenantOperations;
        if (t == null) {
            return error(HttpResponseStatus.SERVICE_UNAVAILABLE, Readiness.STILL_STARTING);
        }
        HttpResponseStatus ok = HttpResponseStatus.OK;
        return switch (route) {
            case ZONES -> jsonResponse(ok, t.zones());
            case ZONE -> jsonResponse(ok, t.zone(req.segment(3)));
            case ZONE_MAINTENANCE -> jsonResponse(ok, t.zoneMaintenance(req.segment(3), req.requiredFlag("on"),
                    req.param("by")));
            case TENANTS -> jsonResponse(ok, t.tenants());
            case TENANT -> jsonResponse(ok, t.tenant(req.segment(3)));
            case TENANT_ASSIGN -> jsonResponse(ok, t.assign(req.segment(3), req.param("zone"), req.param("by")));
            case TENANT_MOVE -> jsonResponse(HttpResponseStatus.ACCEPTED,
                    t.move(req.segment(3), req.param("zone"), req.param("by")));
            case TENANT_FLUSH -> jsonResponse(ok, t.flush(req.segment(3), req.param("by")));
            case TENANT_MAINTENANCE -> jsonResponse(ok, t.tenantMaintenance(req.segment(3), req.requiredFlag("on"),
                    req.param("by")));
            default -> null;
        };
    }

    /** The membership view with the answering node's name first (the split watch checks whom it reached). */
    @SuppressWarnings("unchecked")
    private Map<String, Object> membershipBody(String self, MembershipView view) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("self", self);
        body.putAll(json.convertValue(view, Map.class));
        return body;
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

    /**
     * Who may use a route when the node has an admin token (docs/security.md, "Admin authentication", has the
     * table). Every route must name one: a new route cannot be added without deciding.
     */
    enum Access {
        /** Liveness and readiness: probes by the orchestrator, never behind the token. */
        OPEN,
        /** {@code /metrics}: open unless {@code admin.openMetrics} is false. */
        METRICS,
        /** Actions and reads of tenant data or cluster internals: the token. */
        TOKEN
    }

    /** Every path of the admin port. Package-private: the tests walk it to try every route. */
    enum Route {
        LIVE("/health/live", Access.OPEN, false, "GET"),
        READY("/health/ready", Access.OPEN, false, "GET"),
        STATUS("/status", Access.TOKEN, false, "GET"),
        METRICS("/metrics", Access.METRICS, false, "GET"),
        MEMBERSHIP("/membership", Access.TOKEN, false, "GET"),
        MEMBERSHIP_FORGET("/admin/membership/forget", Access.TOKEN, true, "POST"),
        SHUTDOWN("/admin/shutdown", Access.TOKEN, true, "POST"),
        DUMPS("/admin/dumps", Access.TOKEN, true, "GET", "POST"),
        DUMP("/admin/dumps/*", Access.TOKEN, true, "GET"),
        DUMP_VERIFY("/admin/dumps/*/verify", Access.TOKEN, true, "POST"),
        DUMP_DELETE("/admin/dumps/*/delete", Access.TOKEN, true, "POST"),
        WARMUP("/admin/warmup", Access.TOKEN, true, "GET", "POST"),
        WARMUP_CANCEL("/admin/warmup/cancel", Access.TOKEN, true, "POST"),
        VERIFY("/admin/verify", Access.TOKEN, true, true, "GET", "POST"),
        VERIFY_JOB("/admin/verify/*", Access.TOKEN, true, true, "GET"),
        VERIFY_CANCEL("/admin/verify/*/cancel", Access.TOKEN, true, true, "POST"),
        RECOVER_START("/admin/zones/*/recover", Access.TOKEN, true, true, "POST"),
        RECOVER_JOB("/admin/recover/*", Access.TOKEN, true, true, "GET"),
        RECOVER_CANCEL("/admin/recover/*/cancel", Access.TOKEN, true, true, "POST"),
        DAMAGE("/admin/test/damage", Access.TOKEN, true, true, "POST"),
        // Zones and tenants (issue #7): keep this block together; names start with ZONE or TENANT.
        ZONES("/admin/zones", Access.TOKEN, true, "GET"),
        ZONE("/admin/zones/*", Access.TOKEN, true, "GET"),
        ZONE_MAINTENANCE("/admin/zones/*/maintenance", Access.TOKEN, true, "POST"),
        TENANTS("/admin/tenants", Access.TOKEN, true, "GET"),
        TENANT("/admin/tenants/*", Access.TOKEN, true, "GET"),
        TENANT_ASSIGN("/admin/tenants/*/assign", Access.TOKEN, true, "POST"),
        TENANT_MOVE("/admin/tenants/*/move", Access.TOKEN, true, "POST"),
        TENANT_FLUSH("/admin/tenants/*/flush", Access.TOKEN, true, "POST"),
        TENANT_MAINTENANCE("/admin/tenants/*/maintenance", Access.TOKEN, true, "POST");

        private final String pattern;
        private final Access access;
        private final boolean action;
        private final boolean integrity;
        private final java.util.List<String> methods;

        Route(String pattern, Access access, boolean action, String... methods) {
            this(pattern, access, action, false, methods);
        }

        Route(String pattern, Access access, boolean action, boolean integrity, String... methods) {
            this.pattern = pattern;
            this.access = access;
            this.action = action;
            this.integrity = integrity;
            this.methods = java.util.List.of(methods);
        }

        String pattern() {
            return pattern;
        }

        Access access() {
            return access;
        }

        java.util.List<String> methods() {
            return methods;
        }

        static Route match(String path) {
            for (Route r : values()) {
                if (matches(r.pattern, path)) {
                    return r;
                }
            }
            return null;
        }

        private static boolean matches(String pattern, String path) {
            String[] p = pattern.split("/");
            String[] a = path.split("/");
            if (p.length != a.length) {
                return false;
            }
            for (int i = 0; i < p.length; i++) {
                if (!(p[i].equals("*") ? !a[i].isEmpty() : p[i].equals(a[i]))) {
                    return false;
                }
            }
            return true;
        }
    }
}
