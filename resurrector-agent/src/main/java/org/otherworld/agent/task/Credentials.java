package org.otherworld.agent.task;

/**
 * A task's credentials ({@code task->cred}, struct cred): ids in the initial user namespace and the
 * capability sets as 64-bit masks.
 */
public record Credentials(long uid, long gid, long suid, long sgid, long euid, long egid, long fsuid, long fsgid,
                          long securebits, long capInheritable, long capPermitted, long capEffective, long capBset,
                          long capAmbient) {
}
