/**
 * Bringing resurrected processes back: the write-back of the dead kernel's dirty page cache (in the
 * crash kernel), and in the fresh main kernel the ordered {@code criu restore} of each image set and the
 * delivery of crash-procedure reports. See docs/resurrection.md.
 */
package org.otherworld.agent.restore;
