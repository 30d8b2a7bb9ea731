package io.j3fs.fuse.protocol;

/** FUSE request opcodes (Linux include/uapi/linux/fuse.h, enum fuse_opcode). */
public final class Opcode {
  public static final int LOOKUP = 1;
  public static final int FORGET = 2;
  public static final int GETATTR = 3;
  public static final int SETATTR = 4;
  public static final int READLINK = 5;
  public static final int SYMLINK = 6;
  public static final int MKNOD = 8;
  public static final int MKDIR = 9;
  public static final int UNLINK = 10;
  public static final int RMDIR = 11;
  public static final int RENAME = 12;
  public static final int LINK = 13;
  public static final int OPEN = 14;
  public static final int READ = 15;
  public static final int WRITE = 16;
  public static final int STATFS = 17;
  public static final int RELEASE = 18;
  public static final int FSYNC = 20;
  public static final int SETXATTR = 21;
  public static final int GETXATTR = 22;
  public static final int LISTXATTR = 23;
  public static final int REMOVEXATTR = 24;
  public static final int FLUSH = 25;
  public static final int INIT = 26;
  public static final int OPENDIR = 27;
  public static final int READDIR = 28;
  public static final int RELEASEDIR = 29;
  public static final int FSYNCDIR = 30;
  public static final int ACCESS = 34;
  public static final int CREATE = 35;
  public static final int INTERRUPT = 36;
  public static final int DESTROY = 38;
  public static final int BATCH_FORGET = 42;
  public static final int FALLOCATE = 43;
  public static final int READDIRPLUS = 44;
  public static final int RENAME2 = 45;

  private Opcode() {}

  private static final String[] NAMES = new String[BATCH_FORGET + 4];

  static {
    String[][] named = {
      {"LOOKUP", "1"},
      {"FORGET", "2"},
      {"GETATTR", "3"},
      {"SETATTR", "4"},
      {"READLINK", "5"},
      {"SYMLINK", "6"},
      {"MKNOD", "8"},
      {"MKDIR", "9"},
      {"UNLINK", "10"},
      {"RMDIR", "11"},
      {"RENAME", "12"},
      {"LINK", "13"},
      {"OPEN", "14"},
      {"READ", "15"},
      {"WRITE", "16"},
      {"STATFS", "17"},
      {"RELEASE", "18"},
      {"FSYNC", "20"},
      {"SETXATTR", "21"},
      {"GETXATTR", "22"},
      {"LISTXATTR", "23"},
      {"REMOVEXATTR", "24"},
      {"FLUSH", "25"},
      {"INIT", "26"},
      {"OPENDIR", "27"},
      {"READDIR", "28"},
      {"RELEASEDIR", "29"},
      {"FSYNCDIR", "30"},
      {"ACCESS", "34"},
      {"CREATE", "35"},
      {"INTERRUPT", "36"},
      {"DESTROY", "38"},
      {"BATCH_FORGET", "42"},
      {"FALLOCATE", "43"},
      {"READDIRPLUS", "44"},
      {"RENAME2", "45"}
    };
    for (String[] n : named) {
      NAMES[Integer.parseInt(n[1])] = n[0];
    }
  }

  /** The opcode's name as fuse.h spells it, or "OTHER" for one j3fs does not know. */
  public static String name(int opcode) {
    return opcode >= 0 && opcode < NAMES.length && NAMES[opcode] != null ? NAMES[opcode] : "OTHER";
  }

  /** Whether the kernel waits for no reply to this request. */
  public static boolean noReply(int opcode) {
    return opcode == FORGET || opcode == BATCH_FORGET;
  }
}
