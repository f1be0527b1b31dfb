/** Link emulation, benchmarks, scenarios and the {@code longhaul} command line. */
package io.longhaul.harness;
