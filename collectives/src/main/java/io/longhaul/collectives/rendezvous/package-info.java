/**
 * How ranks of a multi-process job find each other: {@link io.longhaul.collectives.rendezvous.LaunchEnvironment}
 * reads rank, world size and the rendezvous address from the variables launchers set (torchrun,
 * mpirun, srun) or from flags; rank 0 hosts a {@link io.longhaul.collectives.rendezvous.StoreServer},
 * a small TCP key-value store, where every rank publishes its transport addresses through a
 * {@link io.longhaul.collectives.rendezvous.StoreClient}.
 */
package io.longhaul.collectives.rendezvous;
