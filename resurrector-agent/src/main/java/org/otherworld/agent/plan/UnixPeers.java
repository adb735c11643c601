package org.otherworld.agent.plan;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.otherworld.agent.images.UnixSocketImage;

/**
 * The cross-process rule for connected unix sockets: criu restores a connection only between two sockets
 * of one image set (it creates them with socketpair()), so a restored socket whose peer is not restored
 * in the same tree (its holder is not resurrected, is in another tree, or the peer itself is not
 * restorable) becomes an unrestored resource. Demoting one socket can make another lose its peer, and a
 * process may then no longer be resurrected: the planner repeats until nothing changes.
 */
final class UnixPeers {
    /** Planning rounds at most (each round only adds sockets; a bound against pathological inputs). */
    static final int MAX_ROUNDS = 16;

    private UnixPeers() {
    }

    /** Restored sockets (inode numbers) whose peer is not restored in their tree. */
    static Set<Long> unmatched(List<ResurrectionPlan> trees) {
        Set<Long> out = new HashSet<>();
        for (ResurrectionPlan t : trees) {
            Map<Long, UnixSocketImage> restored = new HashMap<>();
            for (ProcessPlan p : t.processes()) {
                for (ResourceClassifier.FdDecision d : p.fds()) {
                    if (d.restored() && d.socket() != null) {
                        restored.put(d.socket().ino(), d.socket());
                    }
                }
            }
            for (UnixSocketImage s : restored.values()) {
                if (s.peer() != 0 && !restored.containsKey(s.peer())) {
                    out.add(s.ino());
                }
            }
        }
        return out;
    }

    /** {@code d}, or an unrestored resource if its socket lost its peer in an earlier round. */
    static ResourceClassifier.FdDecision apply(ResourceClassifier.FdDecision d, Set<Long> orphaned) {
        if (d.socket() == null || !orphaned.contains(d.socket().ino())) {
            return d;
        }
        var f = d.file();
        String desc = f.socket() != null ? f.socket().describe() : d.socket().procName();
        return new ResourceClassifier.FdDecision(f, null, new UnrestoredResource(f.fd(), "unix", desc,
                "its peer socket:[" + d.socket().peer() + "] is not resurrected in the same image set"));
    }
}
