package dev.hearth.node.memcached;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Looks at a connection's first byte and installs the protocol's codec and handler: 0x80 (a binary request's
 * magic) for the binary protocol, anything else for text and meta. Each handler authenticates the connection in
 * tenantMode authenticated (binary: SASL PLAIN; text: memcached's "set user password" form).
 */
final class ProtocolDetector extends ByteToMessageDecoder {
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
        p.addAfter(me, "text-encoder", TextEncoder.INSTANCE);
        p.addAfter("text-encoder", "text-decoder", new TextDecoder(endpoint.maxItemSize,
                endpoint.settings.requestTimeout().toNanos()));
        p.addAfter("text-decoder", "text-handler", new TextHandler(endpoint));
        p.remove(this);
    }
}
