package dev.hearth.node.memcached;

/**
 * One binary-protocol request frame, from {@link BinaryDecoder} to {@link BinaryHandler}. A frame the decoder
 * refused arrives with {@code rejectStatus} != 0: the handler answers that status (and closes when
 * {@code closeAfter}) without executing anything.
 */
record BinaryRequest(int opcode, byte[] extras, byte[] key, byte[] value, int opaque, long cas, int rejectStatus,
        boolean closeAfter) {
    static final byte[] EMPTY = new byte[0];

    static BinaryRequest reject(int opcode, int opaque, int status, boolean closeAfter) {
        return new BinaryRequest(opcode, EMPTY, EMPTY, EMPTY, opaque, 0, status, closeAfter);
    }

    boolean rejected() {
        return rejectStatus != 0;
    }
}
