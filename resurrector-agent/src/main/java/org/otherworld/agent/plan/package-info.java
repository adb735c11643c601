/**
 * The resurrection plan: which processes of the dead kernel come back and how (Otherworld semantics:
 * unrestored resources, crash procedures, the faulty process, system calls in flight), and the mapping
 * of planned processes to the image records of package images. See docs/resurrection.md.
 */
package org.otherworld.agent.plan;
