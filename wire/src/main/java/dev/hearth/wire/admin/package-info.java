/**
 * What the node's admin routes for zones, tenants and integrity jobs answer, as records the node's services return
 * and hearthctl reads: a renamed field changes both sides in one build. The admin port writes them as JSON with
 * Jackson, fields in declaration order; fields marked {@code NON_NULL} are left out when absent, every other field
 * is always written (null included).
 */
package dev.hearth.wire.admin;
