package io.j3fs.meta;

import io.j3fs.kv.KeyValue;
import io.j3fs.kv.KvEngine;
import io.j3fs.kv.RangeIterator;
import io.j3fs.meta.store.MetaKeys;
import io.j3fs.meta.store.MetaStore;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.store.DirEntryRecord;
import io.j3fs.proto.meta.store.InodeRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a whole namespace from one snapshot: every entry points to an inode of the type it names;
 * a file's or symlink's nlink equals the entries pointing to it; a directory has exactly one entry,
 * in the directory its parent field names, under the name its name field holds, and its parents
 * lead to the root without a loop; an inode that no entry names has nlink 0 and waits in the GC
 * queue. Returns the problems found (empty: consistent). For tests and {@code j3fs admin}; it reads
 * everything, so it is not for a large live namespace.
 */
public final class NamespaceChecker {
  private NamespaceChecker() {}

  public static List<String> check(KvEngine kv) {
    return kv.read(
        tx -> {
          List<String> problems = new ArrayList<>();
          Map<Long, Inode> inodes = new HashMap<>();
          RangeIterator it = tx.getRange(MetaKeys.inodesBegin(), MetaKeys.inodesEnd());
          while (it.hasNext()) {
            Inode inode =
                MetaStore.parse(it.next().value(), "inode", InodeRecord.parser()).getInode();
            inodes.put(inode.getId(), inode);
          }
          Set<Long> queued = new HashSet<>();
          RangeIterator gc = tx.getRange(MetaKeys.gcBegin(), MetaKeys.gcEnd());
          while (gc.hasNext()) {
            queued.add(
                MetaStore.parse(
                        gc.next().value(), "GC record", io.j3fs.proto.meta.store.GcRecord.parser())
                    .getInodeId());
          }
          Map<Long, Integer> links = new HashMap<>();
          Map<Long, List<String>> dirEntries = new HashMap<>();
          RangeIterator entries = tx.getRange(MetaKeys.allEntriesBegin(), MetaKeys.allEntriesEnd());
          while (entries.hasNext()) {
            KeyValue e = entries.next();
            long parent = MetaKeys.entryParent(e.key());
            String name = MetaKeys.entryName(e.key());
            DirEntryRecord entry = MetaStore.parse(e.value(), "entry", DirEntryRecord.parser());
            Inode dir = inodes.get(parent);
            if (dir == null || dir.getType() != InodeType.DIRECTORY) {
              problems.add(
                  String.format("entry \"%s\" is in 0x%x, which is not a directory", name, parent));
            }
            Inode child = inodes.get(entry.getInodeId());
            if (child == null) {
              problems.add(
                  String.format(
                      "entry \"%s\" in 0x%x points to missing inode 0x%x",
                      name, parent, entry.getInodeId()));
              continue;
            }
            if (child.getType() != entry.getType()) {
              problems.add(
                  String.format(
                      "entry \"%s\" in 0x%x says %s, inode is %s",
                      name, parent, entry.getType(), child.getType()));
            }
            links.merge(child.getId(), 1, Integer::sum);
            if (child.getType() == InodeType.DIRECTORY) {
              dirEntries
                  .computeIfAbsent(child.getId(), k -> new ArrayList<>())
                  .add(parent + "/" + name);
              if (child.getParent() != parent || !child.getName().equals(name)) {
                problems.add(
                    String.format(
                        "directory 0x%x is entry \"%s\" of 0x%x but records parent 0x%x name \"%s\"",
                        child.getId(), name, parent, child.getParent(), child.getName()));
              }
            }
          }
          for (Inode inode : inodes.values()) {
            int n = links.getOrDefault(inode.getId(), 0);
            if (inode.getId() == 0) {
              if (n != 0) {
                problems.add("the root has entries pointing to it");
              }
              continue;
            }
            if (n == 0) {
              if (inode.getNlink() != 0 || !queued.contains(inode.getId())) {
                problems.add(
                    String.format(
                        "inode 0x%x (%s, nlink %d) has no entry and %s in the GC queue",
                        inode.getId(),
                        inode.getType(),
                        inode.getNlink(),
                        queued.contains(inode.getId()) ? "is" : "is not"));
              }
              continue;
            }
            if (inode.getType() == InodeType.DIRECTORY) {
              if (n != 1) {
                problems.add(
                    String.format(
                        "directory 0x%x has %d entries: %s",
                        inode.getId(), n, dirEntries.get(inode.getId())));
              }
              Set<Long> seen = new HashSet<>();
              Inode at = inode;
              while (at != null && at.getId() != 0) {
                if (!seen.add(at.getId())) {
                  problems.add(
                      String.format("directory 0x%x is in a loop of parents", inode.getId()));
                  break;
                }
                at = inodes.get(at.getParent());
              }
              if (at == null) {
                problems.add(
                    String.format("directory 0x%x does not lead to the root", inode.getId()));
              }
            } else if (inode.getNlink() != n) {
              problems.add(
                  String.format(
                      "inode 0x%x has nlink %d but %d entries",
                      inode.getId(), inode.getNlink(), n));
            }
          }
          return problems;
        });
  }
}
