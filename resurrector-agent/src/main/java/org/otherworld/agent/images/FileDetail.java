package org.otherworld.agent.images;

/**
 * The kernel object behind an open file description that restore rebuilds from the image rather than
 * reopening by path: a socket, a pipe, and so on. Each {@link FileKind} names the detail type it
 * carries (or none); {@link FileImage} checks that they match.
 */
public interface FileDetail {
}
