package io.longhaul.collectives.fabric;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * A view of a {@link Fabric} restricted to a subset of its ranks, renumbered 0..m-1 in the order
 * given, with its own tag space: the sub-communicator of MPI ({@code MPI_Comm_split}), NCCL
 * ({@code ncclCommSplit}) or {@code torch.distributed.new_group}.
 *
 * <p><b>Tags.</b> A {@link io.longhaul.collectives.Communicator} builds fabric tags that leave
 * the top {@link #TAG_SPACE_BITS} bits 0 (step tag in the low 20 bits, the low 10 bits of the
 * collective's sequence number above them). A group view sets those top bits to its tag space
 * (1 to {@link #MAX_TAG_SPACE}) on every send, receive and discard, so the messages of a
 * communicator over the group and of one over the parent (tag space 0) never match each other,
 * even between the same two ranks at the same time. Groups whose pairs of ranks overlap and that
 * are used at the same time need different tag spaces; disjoint groups (one per DC, say) may share
 * one. Every member of a group must build it with the same members, in the same order, and the
 * same tag space. A view of a view maps straight onto the root fabric (member lists composed), and
 * must use a tag space different from its parent's.
 *
 * <p>Everything else (clock, timers, RTT estimates, failure of peers) is the parent's.
 */
public final class GroupFabric implements Fabric {
    /** Top tag bits that hold the tag space. */
    public static final int TAG_SPACE_BITS = 2;
    /** Largest tag space; 0 is the parent's. */
    public static final int MAX_TAG_SPACE = (1 << TAG_SPACE_BITS) - 1;
    private static final int SPACE_SHIFT = Integer.SIZE - TAG_SPACE_BITS;
    private static final int PAYLOAD_TAG_MASK = (1 << SPACE_SHIFT) - 1;

    private final Fabric root;
    private final int[] members;
    private final int tagSpace;
    private final int rank;

    private GroupFabric(final Fabric root, final int[] members, final int tagSpace, final int rank) {
        this.root = root;
        this.members = members;
        this.tagSpace = tagSpace;
        this.rank = rank;
    }

    /**
     * @param parent   the fabric to restrict (a group view is composed onto its root).
     * @param members  ranks of {@code parent}, distinct, including {@code parent.rank()}; group
     *                 rank i is {@code members[i]}.
     * @param tagSpace 1 to {@link #MAX_TAG_SPACE}, different from the parent's.
     */
    public static GroupFabric of(final Fabric parent, final int[] members, final int tagSpace) {
        if (tagSpace < 1 || tagSpace > MAX_TAG_SPACE) {
            throw new IllegalArgumentException("tag space " + tagSpace + " is out of range; accepted: 1 to " + MAX_TAG_SPACE
                + " (0 is the parent's)");
        }
        if (members.length == 0) {
            throw new IllegalArgumentException("a group needs at least one member");
        }
        final boolean[] seen = new boolean[parent.size()];
        int self = -1;
        for (int i = 0; i < members.length; i++) {
            final int m = members[i];
            if (m < 0 || m >= parent.size()) {
                throw new IllegalArgumentException("group member " + m + " is not a rank of the parent (0 to " + (parent.size() - 1) + ")");
            }
            if (seen[m]) {
                throw new IllegalArgumentException("rank " + m + " appears twice in group " + Arrays.toString(members));
            }
            seen[m] = true;
            if (m == parent.rank()) {
                self = i;
            }
        }
        if (self < 0) {
            throw new IllegalArgumentException("rank " + parent.rank() + " is not a member of group " + Arrays.toString(members));
        }
        if (parent instanceof GroupFabric g) {
            if (g.tagSpace == tagSpace) {
                throw new IllegalArgumentException("tag space " + tagSpace + " is already the parent group's; accepted: another one");
            }
            final int[] rootMembers = new int[members.length];
            for (int i = 0; i < members.length; i++) {
                rootMembers[i] = g.members[members[i]];
            }
            return new GroupFabric(g.root, rootMembers, tagSpace, self);
        }
        return new GroupFabric(parent, members.clone(), tagSpace, self);
    }

    /** @return the fabric this view maps onto (never a group view). */
    public Fabric root() {
        return root;
    }

    /** @return the root fabric's rank of group rank {@code groupRank}. */
    public int rootRank(final int groupRank) {
        return members[groupRank];
    }

    /** @return the root fabric's ranks of the members, index = group rank. */
    public int[] members() {
        return members.clone();
    }

    public int tagSpace() {
        return tagSpace;
    }

    private int peer(final int groupRank) {
        if (groupRank < 0 || groupRank >= members.length) {
            throw new IllegalArgumentException("peer " + groupRank + " is not a rank of this group of " + members.length);
        }
        return members[groupRank];
    }

    private int tag(final int tag) {
        if ((tag & ~PAYLOAD_TAG_MASK) != 0) {
            throw new IllegalArgumentException("tag 0x" + Integer.toHexString(tag) + " uses the top " + TAG_SPACE_BITS
                + " bits, which hold a group's tag space; accepted: 0 to 0x" + Integer.toHexString(PAYLOAD_TAG_MASK));
        }
        return (tagSpace << SPACE_SHIFT) | tag;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return members.length;
    }

    @Override
    public long nowNs() {
        return root.nowNs();
    }

    @Override
    public CompletableFuture<Void> send(final int peer, final int tag, final ByteBuffer message) {
        return root.send(peer(peer), tag(tag), message);
    }

    @Override
    public CompletableFuture<Void> send(final int peer, final int tag, final ByteBuffer header, final ByteBuffer body) {
        return root.send(peer(peer), tag(tag), header, body);
    }

    @Override
    public CompletableFuture<Void> send(final int peer, final int tag, final ByteBuffer message, final long deadlineNs) {
        return root.send(peer(peer), tag(tag), message, deadlineNs);
    }

    @Override
    public CompletableFuture<Void> detach(final CompletableFuture<Void> send) {
        return root.detach(send);
    }

    @Override
    public void release(final ByteBuffer message) {
        root.release(message);
    }

    @Override
    public CompletableFuture<ByteBuffer> receive(final int peer, final int tag) {
        return root.receive(peer(peer), tag(tag));
    }

    @Override
    public CompletableFuture<Received> receiveMessage(final int peer, final int tag) {
        return root.receiveMessage(peer(peer), tag(tag));
    }

    @Override
    public void discard(final int peer, final int tag) {
        root.discard(peer(peer), tag(tag));
    }

    @Override
    public long rttNs(final int peer) {
        return root.rttNs(peer(peer));
    }

    @Override
    public Timer schedule(final long delayNs, final Runnable task) {
        return root.schedule(delayNs, task);
    }

    /** A view does not own the parent: closing it does nothing. */
    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return "GroupFabric[rank " + rank + "/" + members.length + " = root rank " + members[rank] + ", members " + Arrays.toString(members)
            + ", tag space " + tagSpace + "]";
    }
}
