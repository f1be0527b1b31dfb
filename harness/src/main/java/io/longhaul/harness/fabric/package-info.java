/**
 * The kernel-level fabric: network namespaces (the "hosts") whose only interface is a TUN device,
 * joined by a user-space forwarder that moves every IP packet through the project's own
 * {@link io.longhaul.transport.sim.LinkModel}, so that kernel TCP, Gloo, MPI and longhaul cross
 * the very same emulated links. {@link io.longhaul.harness.fabric.FabricTopology} says who is
 * where, {@link io.longhaul.harness.fabric.PacketScheduler} decides each packet's fate and
 * delivery time without any I/O, {@link io.longhaul.harness.fabric.TunForwarder} runs it over the
 * TUN devices, and {@link io.longhaul.harness.fabric.FabricControl} builds and removes it all.
 */
package io.longhaul.harness.fabric;
