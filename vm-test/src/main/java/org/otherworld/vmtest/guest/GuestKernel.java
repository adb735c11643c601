package org.otherworld.vmtest.guest;

/** Which kernel a guest runs (main, crash and hand-over kernel alike): {@code --kernel stock|patched}. */
public enum GuestKernel {
    /** Debian's current cloud kernel package (what linux-image-cloud-amd64 depends on). */
    STOCK("stock"),
    /** The same kernel source with kernel-patches/ applied, from {@code kernel-patches/build.sh --full}. */
    PATCHED("patched");

    private final String label;

    GuestKernel(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static GuestKernel parse(String s) {
        for (GuestKernel k : values()) {
            if (k.label.equals(s)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown kernel '" + s + "' (stock, patched)");
    }
}
