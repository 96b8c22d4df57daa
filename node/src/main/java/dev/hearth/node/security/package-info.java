/**
 * Who may talk to a node: the TLS material of every port ({@link dev.hearth.node.security.NodeTls}, reloaded when its
 * files change), the refusals of plaintext and failed handshakes ({@link dev.hearth.node.security.TlsRefusals}), and
 * the cluster secret a joining node proves it knows ({@link dev.hearth.node.security.ClusterSecret}). Ignite's use of
 * them is wired in {@code dev.hearth.node.ignite}.
 */
package dev.hearth.node.security;
