package dev.hearth.node.memcached;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Looks at a connection's first byte and installs the protocol's codec ({@link BinaryCodec}, {@link TextCodec}) and
 * handler: 0x80 (a binary request's magic) for the binary protocol, anything else for text and meta. Each handler
 * authenticates the connection in tenantMode authenticated (binary: SASL PLAIN; text: memcached's "set user
 * password" form).
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
        boolean binary = (in.getByte(in.readerIndex()) & 0xff) == 0x80;
        // Right after this detector, codec first; the bytes it holds go on to the codec's decoder when it leaves.
        ChannelPipeline p = ctx.pipeline();
        p.addAfter(ctx.name(), null, binary ? new BinaryHandler(endpoint) : new TextHandler(endpoint));
        p.addAfter(ctx.name(), null, binary ? new BinaryCodec(endpoint.maxItemSize, incomplete)
                : new TextCodec(endpoint.maxItemSize, incomplete));
        p.remove(this);
    }
}
