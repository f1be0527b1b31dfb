/**
 * Collective operations (all-reduce and friends) compiled to per-rank schedules and run over the
 * longhaul transport.
 */
package io.longhaul.collectives;
