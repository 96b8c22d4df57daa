package dev.hearth.node.memcached;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Looks at a connection's first byte and installs the protocol's codec and handler: 0x80 (a binary request's
 * magic) for the binary protocol, anything else for text and meta. In tenantMode authenticated the text protocol is
 * refused with an error line and the connection closed: it has no authentication step.
 */
final class ProtocolDetector extends ByteToMessageDecoder {
    static final String AUTH_REQUIRED = "CLIENT_ERROR authentication required: this listener serves tenants by "
            + "SASL PLAIN user (tenantMode authenticated), which only the binary protocol can do\r\n";

    private final Endpoint endpoint;

    ProtocolDetector(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (!in.isReadable()) {
            return;
        }
        ChannelPipeline p = ctx.pipeline();
        String me = ctx.name();
        if ((in.getByte(in.readerIndex()) & 0xff) == 0x80) {
            p.addAfter(me, "binary-encoder", BinaryEncoder.INSTANCE);
            p.addAfter("binary-encoder", "binary-decoder", new BinaryDecoder(endpoint.maxItemSize,
                    endpoint.settings.requestTimeout().toNanos()));
            p.addAfter("binary-decoder", "binary-handler", new BinaryHandler(endpoint));
            p.remove(this);
            return;
        }
        if (endpoint.tenancy.requiresAuth()) {
            in.skipBytes(in.readableBytes());
            endpoint.stats.authErrors.increment();
            ctx.writeAndFlush(Unpooled.copiedBuffer(AUTH_REQUIRED, StandardCharsets.US_ASCII))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        p.addAfter(me, "text-encoder", TextEncoder.INSTANCE);
        p.addAfter("text-encoder", "text-decoder", new TextDecoder(endpoint.maxItemSize,
                endpoint.settings.requestTimeout().toNanos()));
        p.addAfter("text-decoder", "text-handler", new TextHandler(endpoint));
        p.remove(this);
    }
}
