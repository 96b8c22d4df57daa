package dev.hearth.client;

/** The client's circuit breaker. */
public enum CircuitState {
    /** Operations go to the cluster. */
    CLOSED,
    /** The cluster is considered unreachable: operations fail at once and a background probe checks it. */
    OPEN,
    /** A probe is in flight; operations still fail at once until it succeeds. */
    HALF_OPEN
}
