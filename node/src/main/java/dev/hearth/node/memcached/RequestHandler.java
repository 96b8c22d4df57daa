package dev.hearth.node.memcached;

import dev.hearth.node.cache.CacheService;
import dev.hearth.storage.TenantKey;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * What the text and binary handlers share: one connection's {@link ResponseQueue} (answers in request order,
 * bounded memory), its {@link Sequencer} (memcached's order of effect), who it is ({@link ConnectionAuth}), the
 * node's drain at a stop, and one way of turning a failed command into an answer ({@link CommandFailure}, worded by
 * the protocol). Never blocks: every command becomes a future.
 *
 * @param <R> the protocol's decoded request
 */
abstract class RequestHandler<R> extends SimpleChannelInboundHandler<R> {
    private static final Logger LOG = LogManager.getLogger(RequestHandler.class);

    final Endpoint endpoint;
    private final Sequencer sequencer = new Sequencer();
    ResponseQueue queue;
    /** The connection's event loop: where every cache operation of the connection starts. */
    Executor loop;
    /** Who the connection is (tenantMode authenticated); authenticating commands are ordered like writes. */
    ConnectionAuth auth;

    RequestHandler(Endpoint endpoint, Class<R> requestType) {
        super(requestType);
        this.endpoint = endpoint;
    }

    /** The protocol's answer to a command that failed. */
    abstract Object failed(R request, CommandFailure failure);

    /** The bytes one of the protocol's replies takes until written; 0 for anything else. */
    abstract long replySize(Object reply);

    /** The bytes an answer (a reply, a list of them, null or {@link ResponseQueue#CLOSE}) takes until written. */
    private long sizeOf(Object answer) {
        if (answer instanceof java.util.List<?> list) {
            long n = 0;
            for (Object o : list) {
                n += sizeOf(o);
            }
            return n;
        }
        return replySize(answer);
    }

    @Override
    public final void handlerAdded(ChannelHandlerContext ctx) {
        loop = ctx.executor();
        auth = new ConnectionAuth(endpoint, ctx.channel());
        queue = new ResponseQueue(ctx, this::sizeOf, endpoint.connectionBudget(),
                endpoint.settings.slowReaderTimeout());
    }

    /**
     * Takes the next answer's place and runs {@code command} once {@code room} bytes are reserved for its answer and
     * the commands it must follow are done ({@code write}: every earlier one, else every earlier write).
     */
    final void submit(R request, long room, boolean write, Supplier<CompletableFuture<?>> command) {
        queue.add(room, e -> failed(request, CommandFailure.of(e)),
                reserved -> sequencer.submit(write, loop, () -> reserved.thenCompose(v -> command.get())));
    }

    @Override
    public final void channelInactive(ChannelHandlerContext ctx) {
        queue.channelClosed();
        ctx.fireChannelInactive();
    }

    @Override
    public final void channelWritabilityChanged(ChannelHandlerContext ctx) {
        queue.writabilityChanged();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public final void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == Endpoint.DRAIN) {
            queue.closeWhenAnswered();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public final void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (ResponseQueue.outOfMemory(cause)) {
            endpoint.outOfMemory(ctx.channel(), cause);
        } else {
            LOG.debug("memcached connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        }
        ctx.close();
    }

    final CacheService cache() {
        return endpoint.cache;
    }

    /** The key as stored: the connection's tenant's once authenticated. */
    final TenantKey key(byte[] key) {
        return endpoint.tenancy.resolve(key, auth.user());
    }

    /** This connection's counters: its tenant's once authenticated. */
    final MemcachedStats stats() {
        return endpoint.statsFor(auth.user());
    }

    static CompletableFuture<Object> now(Object o) {
        return CompletableFuture.completedFuture(o);
    }
}
