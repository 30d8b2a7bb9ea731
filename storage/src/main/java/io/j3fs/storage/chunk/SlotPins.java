package io.j3fs.storage.chunk;

import java.util.HashMap;
import java.util.Map;

/**
 * Slots whose bytes are being sent straight from the data file (sendfile) after the read that chose
 * them returned. While a slot is pinned it is not freed (a copy-on-write update that replaces its
 * chunk defers the free to the last unpin, so the slot cannot be reused by another chunk under the
 * transfer), and its chunk is not appended to in place over bytes a pinned read may still send.
 *
 * <p>Invariant: a pin is taken under the chunk's slot read lock, so it is visible to the update
 * that switches the chunk's metadata next (that takes the write lock before freeing).
 *
 * <p>Thread-safety: synchronized; every call is a map operation.
 */
final class SlotPins {
  private static final class Pin {
    int count;
    int maxEnd;
    boolean freeWhenUnpinned;
  }

  private final Map<Long, Pin> pins = new HashMap<>();

  private static long key(int sizeClass, long slot) {
    return ((long) sizeClass << 48) | slot;
  }

  /** Pins bytes [.., end) of a slot. */
  synchronized void pin(int sizeClass, long slot, int end) {
    Pin pin = pins.computeIfAbsent(key(sizeClass, slot), k -> new Pin());
    pin.count++;
    pin.maxEnd = Math.max(pin.maxEnd, end);
  }

  /** Ends one pin; frees the slot if it was given up while pinned and this was the last pin. */
  synchronized void unpin(int sizeClass, long slot, SlotAllocator slots) {
    long key = key(sizeClass, slot);
    Pin pin = pins.get(key);
    if (pin == null) {
      throw new IllegalStateException("slot " + slot + " of class " + sizeClass + " is not pinned");
    }
    if (--pin.count == 0) {
      pins.remove(key);
      if (pin.freeWhenUnpinned) {
        slots.free(sizeClass, slot);
      }
    }
  }

  /** Frees the slot now, or at its last unpin if it is pinned. */
  synchronized void free(int sizeClass, long slot, SlotAllocator slots) {
    Pin pin = pins.get(key(sizeClass, slot));
    if (pin == null) {
      slots.free(sizeClass, slot);
    } else {
      pin.freeWhenUnpinned = true;
    }
  }

  /** The end of the furthest pinned range of a slot (0: not pinned). */
  synchronized int pinnedEnd(int sizeClass, long slot) {
    Pin pin = pins.get(key(sizeClass, slot));
    return pin == null ? 0 : pin.maxEnd;
  }

  /** Slots pinned now (tests and metrics). */
  synchronized int size() {
    return pins.size();
  }
}
