/**
 * The typed reader layer over the dead kernel's memory, driven by its BTF: {@link
 * org.otherworld.agent.kernel.KernelTypes} (types by name, enum constants, feature detection),
 * {@link org.otherworld.agent.kernel.StructType} and {@link org.otherworld.agent.kernel.Member}
 * (layouts resolved once and cached), {@link org.otherworld.agent.kernel.KObject} (typed views of
 * structs at addresses) and {@link org.otherworld.agent.kernel.ListWalker} (bounded, corruption-aware
 * list iteration). This is the only way the agent reads kernel structs; no struct offsets are
 * hard-coded elsewhere.
 */
package org.otherworld.agent.kernel;
