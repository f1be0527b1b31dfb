/** JMH microbenchmarks of longhaul's per-packet costs. */
package io.longhaul.jmh;
