package dev.hearth.node.memcached;

import io.netty.channel.CombinedChannelDuplexHandler;

/**
 * The binary protocol's decoder and encoder, paired: what {@link ProtocolDetector} installs before a
 * {@link BinaryHandler}.
 */
final class BinaryCodec extends CombinedChannelDuplexHandler<BinaryDecoder, BinaryEncoder> {
    /** @param incomplete this connection's bounds on an incomplete request */
    BinaryCodec(int maxItemSize, IncompleteRequests incomplete) {
        super(new BinaryDecoder(maxItemSize, incomplete), BinaryEncoder.INSTANCE);
    }
}
