package dev.hearth.node.memcached;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
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
        IncompleteRequests incomplete = endpoint.incompleteRequests();
        ChannelHandler[] protocol = (in.getByte(in.readerIndex()) & 0xff) == 0x80
                ? new ChannelHandler[] {BinaryEncoder.INSTANCE, new BinaryDecoder(endpoint.maxItemSize, incomplete),
                    new BinaryHandler(endpoint)}
                : new ChannelHandler[] {TextEncoder.INSTANCE, new TextDecoder(endpoint.maxItemSize, incomplete),
                    new TextHandler(endpoint)};
        // In this detector's place, in order (each goes right after it, so the last first); the bytes it holds go on
        // to the new decoder when it leaves.
        ChannelPipeline p = ctx.pipeline();
        for (int i = protocol.length - 1; i >= 0; i--) {
            p.addAfter(ctx.name(), null, protocol[i]);
        }
        p.remove(this);
    }
}
