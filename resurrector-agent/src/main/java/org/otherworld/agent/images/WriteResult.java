package org.otherworld.agent.images;

import java.util.List;

/**
 * What {@link ImageWriter#write} produced.
 *
 * @param files           image file names written, in writing order
 * @param pagesWritten    pages stored in pages-N.img files
 * @param pagesSkipped    pages dropped because their VMA is not restored from pages (file-shared, vvar)
 * @param pagemapEntries  pagemap_entry runs written
 * @param pagesFiles      pages-N.img files written
 * @param pagesFilesDirect of those, the ones written with O_DIRECT
 * @param directRefusal   why O_DIRECT was not used for some, or null
 */
public record WriteResult(List<String> files, long pagesWritten, long pagesSkipped, long pagemapEntries,
                          int pagesFiles, int pagesFilesDirect, String directRefusal) {
}
