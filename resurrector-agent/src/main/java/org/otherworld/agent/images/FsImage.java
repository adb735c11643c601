package org.otherworld.agent.images;

/** A process's fs_struct (fs-PID.img): absolute cwd and root paths and the umask. */
public record FsImage(String cwd, String root, int umask) {
}
