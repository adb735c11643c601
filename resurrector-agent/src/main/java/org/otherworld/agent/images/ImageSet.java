package org.otherworld.agent.images;

import org.otherworld.agent.images.proto.InventoryEntry;

import java.util.List;

/**
 * An image set read back by {@link ImageReader}: the inventory, the processes (parents first), and the
 * IPC namespace restored with them (null when the tree stays in criu's own), and the clocks of
 * timens-0.img (null when the set has none).
 */
public record ImageSet(InventoryEntry inventory, List<ProcessImage> processes, IpcNamespaceImage ipcNamespace,
                       ClockImage clocks) {
    public ImageSet(InventoryEntry inventory, List<ProcessImage> processes) {
        this(inventory, processes, null, null);
    }

    public ImageSet(InventoryEntry inventory, List<ProcessImage> processes, IpcNamespaceImage ipcNamespace) {
        this(inventory, processes, ipcNamespace, null);
    }
}
