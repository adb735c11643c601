/**
 * Files of a dead kernel's processes and the file data only memory holds: d_path()-compatible paths
 * ({@link org.otherworld.agent.files.DPath}), fd tables and what each open file is
 * ({@link org.otherworld.agent.files.FdTable}, {@link org.otherworld.agent.files.FileInspector},
 * {@link org.otherworld.agent.files.OpenFile}, {@link org.otherworld.agent.files.SocketInfo}), a task's
 * root/cwd/umask ({@link org.otherworld.agent.files.FsInfo}), dirty page cache
 * ({@link org.otherworld.agent.files.DirtyPages}), shmem contents
 * ({@link org.otherworld.agent.files.PageCache}) and SysV shared memory
 * ({@link org.otherworld.agent.files.SysvShm}). Entry point: {@link org.otherworld.agent.files.FilesContext#of}.
 */
package org.otherworld.agent.files;
