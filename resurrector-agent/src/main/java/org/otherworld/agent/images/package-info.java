/**
 * CRIU image sets: writes a plain-Java description of a process tree ({@link
 * org.otherworld.agent.images.ProcessImage} and friends) as the image files Debian 12's unmodified
 * {@code criu restore} (3.17.1) reads, and reads such image sets back ({@link
 * org.otherworld.agent.images.ImageReader}) for round-trip tests and validation.
 *
 * <p>The protobuf messages live in {@code org.otherworld.agent.images.proto}, generated at build time
 * from {@code src/main/proto/*.proto}, which mirror CRIU's {@code images/*.proto} wire format at tag
 * v3.17.1. File framing (head magics, 4-byte little-endian entry lengths, raw pages files) is in
 * {@link org.otherworld.agent.images.ImageFormat}. See {@code docs/image-mapping.md}.
 */
package org.otherworld.agent.images;
