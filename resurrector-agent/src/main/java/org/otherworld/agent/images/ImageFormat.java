package org.otherworld.agent.images;

/**
 * CRIU 3.x image file framing and names (criu/include/magic.h, criu/image-desc.c, criu/image.c and
 * criu/protobuf.c at v3.17.1).
 *
 * <p>An image file is: head magic ({@link #IMG_COMMON_MAGIC}, omitted for inventory.img only), the
 * image type's own magic, then entries, each a 4-byte little-endian length followed by that many bytes
 * of one serialized protobuf message. pages-N.img is raw page data (RAW_IMAGE_MAGIC: no magic, no
 * framing), 4096 bytes per page in pagemap order.
 */
public final class ImageFormat {
    private ImageFormat() {
    }

    /** Image set version in inventory_entry.img_version: CRTOOLS_IMAGES_V1_1 (two magics per file). */
    public static final int IMAGES_V1_1 = 2;
    /** Head magic of ordinary images ("Sarov"). */
    public static final int IMG_COMMON_MAGIC = 0x54564319;
    /** Head magic of service images (stats, irmap-cache); not written by Otherworld. */
    public static final int IMG_SERVICE_MAGIC = 0x55105940;

    /** Per-type magics (magic.h). */
    public static final int INVENTORY_MAGIC = 0x58313116;
    public static final int PSTREE_MAGIC = 0x50273030;
    public static final int FDINFO_MAGIC = 0x56213732;
    public static final int PAGEMAP_MAGIC = 0x56084025;
    public static final int CORE_MAGIC = 0x55053847;
    public static final int IDS_MAGIC = 0x54432030;
    public static final int FS_MAGIC = 0x51403912;
    public static final int MM_MAGIC = 0x57492820;
    public static final int FILES_MAGIC = 0x56303138;
    public static final int SECCOMP_MAGIC = 0x64413049;
    public static final int TIMENS_MAGIC = 0x43114433;
    public static final int IPCNS_SHM_MAGIC = 0x46283044;
    public static final int IPC_VAR_MAGIC = 0x53115007;
    public static final int IPCNS_MSG_MAGIC = 0x55453737;
    public static final int IPCNS_SEM_MAGIC = 0x59573019;
    public static final int PIPES_DATA_MAGIC = 0x56453709;
    public static final int FIFO_DATA_MAGIC = 0x59333054;
    public static final int SK_QUEUES_MAGIC = 0x56264026;
    public static final int TTY_INFO_MAGIC = 0x59453036;
    public static final int TTY_DATA_MAGIC = 0x59413026;

    /** x86-64 page size; pages-N.img holds whole pages. */
    public static final int PAGE_SIZE = 4096;
    /** Upper bound for one entry's length, to reject garbage lengths early. */
    public static final int MAX_ENTRY_SIZE = 64 << 20;

    /** pagemap_entry.flags bit: the pages are in pages-N.img (PE_PRESENT, criu/include/pagemap.h). */
    public static final int PE_PRESENT = 1 << 2;

    public static String inventory() { return "inventory.img"; }
    public static String pstree() { return "pstree.img"; }
    public static String files() { return "files.img"; }
    public static String core(int tid) { return "core-" + tid + ".img"; }
    public static String ids(int pid) { return "ids-" + pid + ".img"; }
    public static String mm(int pid) { return "mm-" + pid + ".img"; }
    public static String pagemap(int pid) { return "pagemap-" + pid + ".img"; }
    public static String pages(int pagesId) { return "pages-" + pagesId + ".img"; }

    /** The pagemap of shared anonymous memory object {@code shmid} (criu: CR_FD_SHMEM_PAGEMAP, "pagemap-shmem-%lu"). */
    public static String shmemPagemap(long shmid) { return "pagemap-shmem-" + Long.toUnsignedString(shmid) + ".img"; }
    public static String fs(int pid) { return "fs-" + pid + ".img"; }
    public static String fdinfo(int filesId) { return "fdinfo-" + filesId + ".img"; }
    /** timens-ID.img; ID 0 holds the clocks of a tree without a time namespace of its own. */
    public static String timens(int nsId) { return "timens-" + nsId + ".img"; }
    public static String ipcVar(int nsId) { return "ipcns-var-" + nsId + ".img"; }
    public static String ipcShm(int nsId) { return "ipcns-shm-" + nsId + ".img"; }
    public static String ipcMsg(int nsId) { return "ipcns-msg-" + nsId + ".img"; }
    public static String ipcSem(int nsId) { return "ipcns-sem-" + nsId + ".img"; }
    /** Unread bytes of anonymous pipes: pipe_data_entry + raw bytes (no padding) per pipe. */
    public static String pipesData() { return "pipes-data.img"; }
    /** Unread bytes of FIFOs, as {@link #pipesData()}. */
    public static String fifoData() { return "fifo-data.img"; }
    /** Queued packets of unix sockets: sk_packet_entry + raw bytes per packet. */
    public static String skQueues() { return "sk-queues.img"; }

    /** Terminal ends (tty_info_entry per pty end). */
    public static String ttyInfo() { return "tty-info.img"; }
    /** Bytes readable at terminal ends: tty_data_entry per end (the bytes inside the entry). */
    public static String ttyData() { return "tty-data.img"; }

    /** Per-type magic for a file name produced by this class, or 0 for raw images and unknown names. */
    public static int magicForName(String name) {
        String base = name.replaceFirst("-[0-9]+\\.img$", "").replaceFirst("\\.img$", "");
        return switch (base) {
            case "inventory" -> INVENTORY_MAGIC;
            case "pstree" -> PSTREE_MAGIC;
            case "files" -> FILES_MAGIC;
            case "core" -> CORE_MAGIC;
            case "ids" -> IDS_MAGIC;
            case "mm" -> MM_MAGIC;
            case "pagemap" -> PAGEMAP_MAGIC;
            case "fs" -> FS_MAGIC;
            case "fdinfo" -> FDINFO_MAGIC;
            case "seccomp" -> SECCOMP_MAGIC;
            case "timens" -> TIMENS_MAGIC;
            case "ipcns-var" -> IPC_VAR_MAGIC;
            case "ipcns-shm" -> IPCNS_SHM_MAGIC;
            case "ipcns-msg" -> IPCNS_MSG_MAGIC;
            case "ipcns-sem" -> IPCNS_SEM_MAGIC;
            case "pipes-data" -> PIPES_DATA_MAGIC;
            case "fifo-data" -> FIFO_DATA_MAGIC;
            case "sk-queues" -> SK_QUEUES_MAGIC;
            case "tty-info" -> TTY_INFO_MAGIC;
            case "tty-data" -> TTY_DATA_MAGIC;
            default -> 0;
        };
    }
}
