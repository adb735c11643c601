package org.otherworld.agent.images;

import org.otherworld.agent.images.proto.InventoryEntry;

import java.util.List;

/** An image set read back by {@link ImageReader}: the inventory and the processes, parents first. */
public record ImageSet(InventoryEntry inventory, List<ProcessImage> processes) {
}
