package org.otherworld.agent.plan;

import java.util.HashMap;
import java.util.Map;
import org.otherworld.agent.kernel.DeadKernel;
import org.otherworld.agent.kernel.KObject;
import org.otherworld.agent.task.Vma;

/**
 * {@link FileSystemOracle} over a dead kernel: {@code vma->vm_file->f_inode->i_sb->s_type->name}, read
 * through the BTF-typed layer and cached per superblock device.
 */
public final class DeadKernelFileSystems implements FileSystemOracle {
    /** Longest file_system_type name read. */
    private static final int MAX_NAME = 64;
    private final DeadKernel kernel;
    private final Map<Long, String> byFile = new HashMap<>();

    public DeadKernelFileSystems(DeadKernel kernel) {
        this.kernel = kernel;
    }

    @Override
    public String fsTypeOf(Vma v) {
        if (v.file() == 0) {
            return null;
        }
        return byFile.computeIfAbsent(v.file(), this::read);
    }

    private String read(long fileAddr) {
        try {
            KObject file = kernel.object("file", fileAddr);
            KObject inode = file.deref("f_inode");
            KObject sb = inode == null ? null : inode.deref("i_sb");
            KObject type = sb == null ? null : sb.deref("s_type");
            return type == null ? null : kernel.kernelMemory().readCString(type.pointer("name"), MAX_NAME);
        } catch (RuntimeException e) {
            return null; // judged by path alone
        }
    }
}
