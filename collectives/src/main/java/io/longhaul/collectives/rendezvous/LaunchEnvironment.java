package io.longhaul.collectives.rendezvous;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;

/**
 * Finds this process's rank, the world size and the rendezvous address (rank 0's store) from
 * command-line flags or the variables launchers set, without touching the real environment (the
 * caller passes it, {@code System.getenv()} in production).
 *
 * <p>Precedence, field by field:
 * <ol>
 *   <li>rank and world size: flags ({@code --rank}, {@code --world-size}; both or neither), then
 *       torchrun ({@code RANK}, {@code WORLD_SIZE}), then Open MPI ({@code OMPI_COMM_WORLD_RANK},
 *       {@code OMPI_COMM_WORLD_SIZE}), then Slurm ({@code SLURM_PROCID}, {@code SLURM_NTASKS}), then
 *       a Kubernetes Indexed Job ({@code JOB_COMPLETION_INDEX}, which Kubernetes sets, with
 *       {@code WORLD_SIZE}, which the Job's manifest must set to its completions);
 *       the first source that sets both wins;</li>
 *   <li>rendezvous address: the flag ({@code --master ADDR:PORT}), then {@code MASTER_ADDR} and
 *       {@code MASTER_PORT} (port {@value #DEFAULT_MASTER_PORT} when only the address is set).
 *       mpirun, srun and Kubernetes do not set these: export {@code MASTER_ADDR} (rank 0's host;
 *       for an Indexed Job, pod 0's name under a headless service) or pass {@code --master}.</li>
 * </ol>
 * No source at all means a single-process run ({@link #detect} returns empty).
 */
public final class LaunchEnvironment {
    /** The port torchrun uses when MASTER_PORT is not set. */
    public static final int DEFAULT_MASTER_PORT = 29500;

    /**
     * Where a rank found its identity.
     *
     * @param rank       this process's rank, 0..worldSize-1.
     * @param worldSize  the number of ranks.
     * @param master     rank 0's store address (unresolved host name allowed).
     * @param source     which source gave rank and size: {@code flags}, {@code torchrun}, {@code mpirun}, {@code srun}
     *                   or {@code k8s-indexed-job}.
     */
    public record LaunchInfo(int rank, int worldSize, InetSocketAddress master, String source) {
        public LaunchInfo {
            if (worldSize < 1) {
                throw new IllegalArgumentException("world size " + worldSize + " is out of range; accepted: >= 1");
            }
            if (rank < 0 || rank >= worldSize) {
                throw new IllegalArgumentException("rank " + rank + " is out of range; accepted: 0 to " + (worldSize - 1)
                    + " (world size " + worldSize + ")");
            }
        }

        @Override
        public String toString() {
            return "rank " + rank + " of " + worldSize + " (from " + source + "), rendezvous at "
                + master.getHostString() + ":" + master.getPort();
        }
    }

    /**
     * Flag values; null when not given.
     *
     * @param master {@code ADDR:PORT}
     */
    public record Flags(Integer rank, Integer worldSize, String master) {
        public static final Flags NONE = new Flags(null, null, null);
    }

    private LaunchEnvironment() {
    }

    /**
     * @return the launch information, or empty when neither flags nor a launcher give a rank.
     * @throws IllegalArgumentException naming the variable or flag that is malformed, out of range,
     *         or missing (a rank without a rendezvous address).
     */
    public static Optional<LaunchInfo> detect(final Map<String, String> env, final Flags flags) {
        final Integer flagRank = flags.rank();
        final Integer flagSize = flags.worldSize();
        if ((flagRank == null) != (flagSize == null)) {
            throw new IllegalArgumentException("--rank and --world-size go together; got only "
                + (flagRank == null ? "--world-size" : "--rank"));
        }
        int rank;
        int size;
        String source;
        String rankName;
        String sizeName;
        if (flagRank != null) {
            rank = flagRank;
            size = flagSize;
            source = "flags";
            rankName = "--rank";
            sizeName = "--world-size";
        } else if (has(env, "RANK") && has(env, "WORLD_SIZE")) {
            rank = integer(env, "RANK");
            size = integer(env, "WORLD_SIZE");
            source = "torchrun";
            rankName = "RANK";
            sizeName = "WORLD_SIZE";
        } else if (has(env, "OMPI_COMM_WORLD_RANK") && has(env, "OMPI_COMM_WORLD_SIZE")) {
            rank = integer(env, "OMPI_COMM_WORLD_RANK");
            size = integer(env, "OMPI_COMM_WORLD_SIZE");
            source = "mpirun";
            rankName = "OMPI_COMM_WORLD_RANK";
            sizeName = "OMPI_COMM_WORLD_SIZE";
        } else if (has(env, "SLURM_PROCID") && has(env, "SLURM_NTASKS")) {
            rank = integer(env, "SLURM_PROCID");
            size = integer(env, "SLURM_NTASKS");
            source = "srun";
            rankName = "SLURM_PROCID";
            sizeName = "SLURM_NTASKS";
        } else if (has(env, "JOB_COMPLETION_INDEX")) {
            if (!has(env, "WORLD_SIZE")) {
                throw new IllegalArgumentException("JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but WORLD_SIZE is not: "
                    + "set WORLD_SIZE to the Job's completions in its manifest");
            }
            rank = integer(env, "JOB_COMPLETION_INDEX");
            size = integer(env, "WORLD_SIZE");
            source = "k8s-indexed-job";
            rankName = "JOB_COMPLETION_INDEX";
            sizeName = "WORLD_SIZE";
        } else {
            if (flags.master() != null) {
                throw new IllegalArgumentException("--master " + flags.master() + " needs a rank: pass --rank and --world-size, "
                    + "or start under torchrun, mpirun, srun or a Kubernetes Indexed Job");
            }
            return Optional.empty();
        }
        if (size < 1) {
            throw new IllegalArgumentException(sizeName + " = " + size + " is out of range; accepted: >= 1");
        }
        if (rank < 0 || rank >= size) {
            throw new IllegalArgumentException(rankName + " = " + rank + " is out of range; accepted: 0 to " + (size - 1)
                + " (" + sizeName + " = " + size + ")");
        }
        final InetSocketAddress master;
        if (flags.master() != null) {
            master = parseHostPort("--master", flags.master());
        } else if (has(env, "MASTER_ADDR")) {
            final int port = has(env, "MASTER_PORT") ? integer(env, "MASTER_PORT") : DEFAULT_MASTER_PORT;
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("MASTER_PORT = " + port + " is out of range; accepted: 1 to 65535");
            }
            master = InetSocketAddress.createUnresolved(env.get("MASTER_ADDR").trim(), port);
        } else if (size == 1 || allOnThisHost(env, source, size)) {
            master = InetSocketAddress.createUnresolved("127.0.0.1", DEFAULT_MASTER_PORT);
        } else {
            throw new IllegalArgumentException("rank " + rank + " of " + size + " (from " + source + ") has no rendezvous address: "
                + "set MASTER_ADDR (rank 0's host) and MASTER_PORT, or pass --master ADDR:PORT");
        }
        return Optional.of(new LaunchInfo(rank, size, master, source));
    }

    /**
     * @return whether the launcher says every rank runs on this host ({@code mpirun}: as many local
     *         ranks as ranks; {@code srun}: one node), so rank 0's store is on loopback.
     */
    private static boolean allOnThisHost(final Map<String, String> env, final String source, final int size) {
        if ("mpirun".equals(source)) {
            return has(env, "OMPI_COMM_WORLD_LOCAL_SIZE") && integer(env, "OMPI_COMM_WORLD_LOCAL_SIZE") == size;
        }
        if ("srun".equals(source)) {
            return has(env, "SLURM_NNODES") && integer(env, "SLURM_NNODES") == 1;
        }
        return false;
    }

    /** Parses {@code host:port} (IPv6 in brackets) without resolving the host. */
    public static InetSocketAddress parseHostPort(final String field, final String text) {
        final String t = text.trim();
        final int colon = t.lastIndexOf(':');
        if (colon <= 0 || colon == t.length() - 1) {
            throw new IllegalArgumentException(field + " '" + text + "' must be ADDR:PORT, e.g. 10.0.0.1:29500");
        }
        String host = t.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        final int port;
        try {
            port = Integer.parseInt(t.substring(colon + 1));
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException(field + " '" + text + "' has a bad port; accepted: 1 to 65535");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(field + " '" + text + "': port " + port + " is out of range; accepted: 1 to 65535");
        }
        return InetSocketAddress.createUnresolved(host, port);
    }

    private static boolean has(final Map<String, String> env, final String name) {
        final String v = env.get(name);
        return v != null && !v.isBlank();
    }

    private static int integer(final Map<String, String> env, final String name) {
        final String v = env.get(name).trim();
        try {
            return Integer.parseInt(v);
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException(name + " = '" + v + "' is not an integer");
        }
    }
}
