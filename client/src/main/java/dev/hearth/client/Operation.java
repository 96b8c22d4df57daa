package dev.hearth.client;

/** The operations a {@link OperationListener} observes: one per public method of {@link TenantCache}, and LOAD. */
public enum Operation {
    GET, GET_ALL, GETS, PUT, PUT_ALL, PUT_IF_ABSENT, REPLACE, CAS, DELETE, DELETE_ALL, DELETE_VERSION, INCR, DECR,
    APPEND, PREPEND, TOUCH, FLUSH, KEYS, GET_OR_LOAD,
    /** A loader call made by {@link TenantCache#getOrLoad} (one per coalesced miss, not per caller). */
    LOAD
}
