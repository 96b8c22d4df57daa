package dev.hearth.node.memcached;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/** Encodes {@link BinaryResponse}s: the 24-byte response header, extras, key, value. */
@ChannelHandler.Sharable
final class BinaryEncoder extends MessageToByteEncoder<BinaryResponse> {
    static final BinaryEncoder INSTANCE = new BinaryEncoder();

    @Override
    protected void encode(ChannelHandlerContext ctx, BinaryResponse r, ByteBuf out) {
        out.writeByte(0x81);
        out.writeByte(r.opcode());
        out.writeShort(r.key().length);
        out.writeByte(r.extras().length);
        out.writeByte(0);
        out.writeShort(r.status());
        out.writeInt(r.extras().length + r.key().length + r.value().length);
        out.writeInt(r.opaque());
        out.writeLong(r.cas());
        out.writeBytes(r.extras());
        out.writeBytes(r.key());
        out.writeBytes(r.value());
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, BinaryResponse r, boolean preferDirect) {
        int size = 24 + r.extras().length + r.key().length + r.value().length;
        return preferDirect ? ctx.alloc().ioBuffer(size) : ctx.alloc().heapBuffer(size);
    }
}
