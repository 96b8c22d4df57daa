package dev.hearth.node.memcached;

/** One binary-protocol response frame, from {@link BinaryHandler} to {@link BinaryEncoder}. */
record BinaryResponse(int opcode, int status, byte[] extras, byte[] key, byte[] value, int opaque, long cas) {
}
