/**
 * Parsing of BTF (BPF Type Format), the compact type information the kernel embeds in its image:
 * {@link org.otherworld.agent.btf.Btf} validates a raw blob and gives indexed access to every type
 * record and a name index; the typed reader layer in {@code org.otherworld.agent.kernel} builds on it.
 */
package org.otherworld.agent.btf;
