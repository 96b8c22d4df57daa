/**
 * The node's own state: what it reports about itself ({@link dev.hearth.node.health.NodeStatus}: readiness, the
 * /status snapshot, whether it is safe to stop; Ignite's side implements it), and the watches that keep it alive or
 * end it cleanly (heap and direct memory, the record of exits for exhausted memory, rate-limited logging).
 */
package dev.hearth.node.health;
