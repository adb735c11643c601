package org.otherworld.agent.task;

/**
 * A maximal run of consecutive resident pages inside one VMA and the SHA-256 of its bytes, as the
 * ground truth records it.
 *
 * @param start  first address of the run
 * @param end    address just past the run
 * @param sha256 lower-case hex digest, or null if some page of the run could not be read
 * @param error  why the run could not be hashed, or null
 */
public record PageRun(long start, long end, String sha256, String error) {
    public long pages() {
        return (end - start) >>> 12;
    }
}
