#!/usr/bin/env python3
"""POSIX behaviour of a mounted file system, run as its own process against a directory on it.

    posix_suite.py DIR            run every case in a fresh directory under DIR (as root); the
                                  permission cases re-run this script as 'nobody' (runuser)
    posix_suite.py --nobody DIR   the unprivileged half (started by the root half)

Each case prints PASS or FAIL with what differed; the exit code is the number of failures. The seed
of the random data is printed and can be replayed with POSIX_SEED=N.
"""
import ctypes
import errno
import os
import random
import stat
import subprocess
import sys
import time

SEED = int(os.environ.get("POSIX_SEED", random.randrange(1 << 31)))
RNG = random.Random(SEED)
LIBC = ctypes.CDLL(None, use_errno=True)
AT_FDCWD = -100
RENAME_NOREPLACE, RENAME_EXCHANGE = 1, 2
MIB = 1 << 20


def expect_errno(code, fn, *args):
    try:
        fn(*args)
    except OSError as e:
        if e.errno != code:
            raise AssertionError(f"{fn.__name__}{args}: errno {errno.errorcode.get(e.errno)}, "
                                 f"expected {errno.errorcode[code]}")
        return
    raise AssertionError(f"{fn.__name__}{args} succeeded, expected {errno.errorcode[code]}")


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def renameat2(old, new, flags):
    if LIBC.renameat2(AT_FDCWD, os.fsencode(old), AT_FDCWD, os.fsencode(new), flags) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e), old)


def write_file(path, data, mode=0o644):
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)


def read_file(path):
    with open(path, "rb") as f:
        return f.read()


# ---- cases run as root ----

def case_create_read_write(d):
    p = f"{d}/f"
    write_file(p, b"hello world")
    check(read_file(p) == b"hello world", "content")
    st = os.stat(p)
    check(st.st_size == 11 and stat.S_ISREG(st.st_mode), f"stat {st}")
    before = st.st_mtime_ns
    time.sleep(0.01)
    with open(p, "r+b") as f:
        f.seek(6)
        f.write(b"WORLD")
    check(read_file(p) == b"hello WORLD", "overwrite in place")
    check(os.stat(p).st_mtime_ns > before, "mtime moves on write")
    expect_errno(errno.EEXIST, os.open, p, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    fd = os.open(p, os.O_WRONLY | os.O_TRUNC)
    os.close(fd)
    check(os.stat(p).st_size == 0, "O_TRUNC empties")
    expect_errno(errno.ENOENT, os.stat, f"{d}/missing")
    expect_errno(errno.ENAMETOOLONG, os.open, f"{d}/" + "n" * 256, os.O_CREAT | os.O_WRONLY)


def case_larger_than_a_stripe(d):
    # 4 chains x 1 MiB chunks is a 4 MiB stripe: this spans it twice and ends mid-chunk
    size = 9 * MIB + 12345
    data = RNG.randbytes(size)
    p = f"{d}/big"
    write_file(p, data)
    check(os.stat(p).st_size == size, "size")
    check(read_file(p) == data, "whole read")
    with open(p, "rb") as f:
        for _ in range(50):
            off = RNG.randrange(size)
            n = RNG.randrange(1, 3 * MIB)
            f.seek(off)
            check(f.read(n) == data[off:off + n], f"slice {off}+{n}")
    # overwrite across a chunk boundary
    with open(p, "r+b") as f:
        f.seek(MIB - 100)
        f.write(b"x" * 300)
    data = data[:MIB - 100] + b"x" * 300 + data[MIB + 200:]
    check(read_file(p) == data, "overwrite across a chunk boundary")


def case_sparse(d):
    p = f"{d}/sparse"
    fd = os.open(p, os.O_CREAT | os.O_RDWR, 0o644)
    os.pwrite(fd, b"head", 0)
    os.pwrite(fd, b"tail", 5 * MIB + 123)
    os.close(fd)
    check(os.stat(p).st_size == 5 * MIB + 127, "size past the hole")
    with open(p, "rb") as f:
        f.seek(4)
        hole = f.read(5 * MIB + 119)
    check(hole == bytes(len(hole)), "the hole reads as zeros")
    with open(p, "rb") as f:
        f.seek(5 * MIB + 123)
        check(f.read() == b"tail", "the tail after the hole")


def case_append(d):
    p = f"{d}/log"
    a = os.open(p, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o644)
    b = os.open(p, os.O_WRONLY | os.O_APPEND)
    for i in range(20):
        os.write(a if i % 2 == 0 else b, b"%02d;" % i)
    os.close(a)
    os.close(b)
    got = read_file(p)
    check(got == b"".join(b"%02d;" % i for i in range(20)), f"appends in order: {got!r}")
    fd = os.open(p, os.O_WRONLY | os.O_APPEND)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, b"END")
    os.close(fd)
    check(read_file(p).endswith(b"END") and len(read_file(p)) == 63, "O_APPEND ignores the offset")


def case_truncate(d):
    p = f"{d}/t"
    data = RNG.randbytes(3 * MIB)
    write_file(p, data)
    os.truncate(p, MIB + 7)
    check(read_file(p) == data[:MIB + 7], "truncate down keeps the head")
    os.truncate(p, 4 * MIB)
    got = read_file(p)
    check(got[:MIB + 7] == data[:MIB + 7] and got[MIB + 7:] == bytes(4 * MIB - MIB - 7),
          "truncate up reads zeros past the old end")
    fd = os.open(p, os.O_RDWR)
    os.write(fd, b"abc")
    os.ftruncate(fd, 2)
    check(os.fstat(fd).st_size == 2, "ftruncate through the handle")
    os.pwrite(fd, b"Z", 10)
    os.close(fd)
    check(read_file(p) == b"ab" + bytes(8) + b"Z", "write after ftruncate")
    os.truncate(p, 0)
    check(read_file(p) == b"", "truncate to zero")


def case_unlink_while_open(d):
    p = f"{d}/u"
    fd = os.open(p, os.O_CREAT | os.O_RDWR, 0o644)
    os.write(fd, b"q" * 200000)
    os.unlink(p)
    expect_errno(errno.ENOENT, os.stat, p)
    check(os.fstat(fd).st_nlink == 0, "nlink 0 after unlink")
    os.write(fd, b"more")
    os.lseek(fd, 0, os.SEEK_SET)
    got = os.read(fd, 300000)
    check(got == b"q" * 200000 + b"more", f"the open file still reads ({len(got)} bytes)")
    os.close(fd)
    check(os.listdir(d) == [], "the name is gone")


def case_rename(d):
    write_file(f"{d}/a", b"A")
    write_file(f"{d}/b", b"B")
    ino_a = os.stat(f"{d}/a").st_ino
    os.rename(f"{d}/a", f"{d}/b")
    check(read_file(f"{d}/b") == b"A" and os.stat(f"{d}/b").st_ino == ino_a, "replace a file")
    check(not os.path.exists(f"{d}/a"), "old name gone")
    os.rename(f"{d}/b", f"{d}/b")
    check(read_file(f"{d}/b") == b"A", "rename onto itself")
    os.mkdir(f"{d}/d1")
    os.mkdir(f"{d}/d2")
    os.mkdir(f"{d}/full")
    write_file(f"{d}/full/x", b"x")
    os.rename(f"{d}/d1", f"{d}/d2")
    check(not os.path.exists(f"{d}/d1") and os.path.isdir(f"{d}/d2"), "dir over empty dir")
    expect_errno(errno.ENOTEMPTY, os.rename, f"{d}/d2", f"{d}/full")
    expect_errno(errno.EISDIR, os.rename, f"{d}/b", f"{d}/d2")
    expect_errno(errno.ENOTDIR, os.rename, f"{d}/d2", f"{d}/b")
    os.mkdir(f"{d}/d2/sub")
    expect_errno(errno.EINVAL, os.rename, f"{d}/d2", f"{d}/d2/sub/in")
    os.rename(f"{d}/b", f"{d}/d2/sub/b")
    check(read_file(f"{d}/d2/sub/b") == b"A", "across directories")
    write_file(f"{d}/c", b"C")
    expect_errno(errno.EEXIST, renameat2, f"{d}/c", f"{d}/d2/sub/b", RENAME_NOREPLACE)
    renameat2(f"{d}/c", f"{d}/d2/sub/b", RENAME_EXCHANGE)
    check(read_file(f"{d}/c") == b"A" and read_file(f"{d}/d2/sub/b") == b"C", "exchange")
    renameat2(f"{d}/c", f"{d}/fresh", RENAME_NOREPLACE)
    check(read_file(f"{d}/fresh") == b"A", "noreplace to a free name")
    expect_errno(errno.ENOENT, os.rename, f"{d}/nothing", f"{d}/x")


def case_hard_links(d):
    write_file(f"{d}/f", b"shared")
    os.link(f"{d}/f", f"{d}/g")
    a, b = os.stat(f"{d}/f"), os.stat(f"{d}/g")
    check(a.st_ino == b.st_ino and a.st_nlink == 2, f"one inode, two links ({a.st_nlink})")
    with open(f"{d}/g", "ab") as f:
        f.write(b"+")
    check(read_file(f"{d}/f") == b"shared+", "writes through one name show through the other")
    os.unlink(f"{d}/f")
    check(os.stat(f"{d}/g").st_nlink == 1 and read_file(f"{d}/g") == b"shared+", "survives")
    os.mkdir(f"{d}/dir")
    expect_errno(errno.EPERM, os.link, f"{d}/dir", f"{d}/dirlink")
    write_file(f"{d}/h", b"")
    expect_errno(errno.EEXIST, os.link, f"{d}/g", f"{d}/h")


def case_symlinks(d):
    write_file(f"{d}/target", b"T")
    os.symlink("target", f"{d}/rel")
    os.symlink(f"{d}/target", f"{d}/abs")
    os.symlink("nowhere", f"{d}/dangling")
    check(os.readlink(f"{d}/rel") == "target", "readlink")
    check(read_file(f"{d}/rel") == b"T" and read_file(f"{d}/abs") == b"T", "followed")
    check(stat.S_ISLNK(os.lstat(f"{d}/rel").st_mode), "lstat sees the link")
    check(os.lstat(f"{d}/rel").st_size == len("target"), "a link's size is its target's length")
    expect_errno(errno.ENOENT, os.stat, f"{d}/dangling")
    os.symlink("loop2", f"{d}/loop1")
    os.symlink("loop1", f"{d}/loop2")
    expect_errno(errno.ELOOP, os.stat, f"{d}/loop1")
    os.mkdir(f"{d}/real")
    write_file(f"{d}/real/inside", b"I")
    os.symlink("real", f"{d}/dirlink")
    check(read_file(f"{d}/dirlink/inside") == b"I", "through a directory link")
    os.unlink(f"{d}/rel")
    check(read_file(f"{d}/target") == b"T", "unlinking a link keeps its target")


def case_directories(d):
    os.mkdir(f"{d}/x", 0o750)
    check(stat.S_IMODE(os.stat(f"{d}/x").st_mode) == 0o750, "mkdir mode")
    expect_errno(errno.EEXIST, os.mkdir, f"{d}/x")
    write_file(f"{d}/x/f", b"")
    expect_errno(errno.ENOTEMPTY, os.rmdir, f"{d}/x")
    expect_errno(errno.ENOTDIR, os.rmdir, f"{d}/x/f")
    expect_errno(errno.EISDIR, os.unlink, f"{d}/x")
    expect_errno(errno.ENOTDIR, os.mkdir, f"{d}/x/f/sub")
    os.unlink(f"{d}/x/f")
    os.rmdir(f"{d}/x")
    check(not os.path.exists(f"{d}/x"), "rmdir")


def case_readdir(d):
    names = {f"entry-{i:05d}-{RNG.randrange(1 << 30)}" for i in range(2500)}
    for n in names:
        os.close(os.open(f"{d}/{n}", os.O_CREAT | os.O_WRONLY, 0o644))
    listed = os.listdir(d)
    check(len(listed) == len(names) and set(listed) == names, f"listed {len(listed)} names")
    with os.scandir(d) as it:
        kinds = {e.name: e.is_file() for e in it}
    check(all(kinds.values()) and len(kinds) == len(names), "scandir types")
    gone = sorted(names)[::3]
    for n in gone:
        os.unlink(f"{d}/{n}")
    check(set(os.listdir(d)) == names - set(gone), "after removals")


def case_attributes(d):
    p = f"{d}/f"
    write_file(p, b"abc")
    os.chmod(p, 0o4751)
    check(stat.S_IMODE(os.stat(p).st_mode) == 0o4751, "chmod with setuid")
    os.chown(p, 1234, 5678)
    st = os.stat(p)
    check((st.st_uid, st.st_gid) == (1234, 5678), "chown")
    os.utime(p, ns=(1_500_000_000_123_456_789, 1_600_000_000_987_654_321))
    st = os.stat(p)
    check(st.st_atime_ns == 1_500_000_000_123_456_789, f"atime {st.st_atime_ns}")
    check(st.st_mtime_ns == 1_600_000_000_987_654_321, f"mtime {st.st_mtime_ns}")
    check(os.access(p, os.R_OK | os.W_OK), "access as root")
    fs = os.statvfs(d)
    check(fs.f_bsize > 0 and fs.f_blocks > 0 and fs.f_bavail <= fs.f_blocks, f"statvfs {fs}")


def case_xattrs(d):
    p = f"{d}/f"
    write_file(p, b"")
    os.setxattr(p, "user.one", b"1")
    os.setxattr(p, "user.two", b"22")
    check(os.getxattr(p, "user.two") == b"22", "getxattr")
    check(sorted(os.listxattr(p)) == ["user.one", "user.two"], f"listxattr {os.listxattr(p)}")
    expect_errno(errno.EEXIST, os.setxattr, p, "user.one", b"x", os.XATTR_CREATE)
    expect_errno(errno.ENODATA, os.setxattr, p, "user.none", b"x", os.XATTR_REPLACE)
    os.setxattr(p, "user.one", b"111", os.XATTR_REPLACE)
    check(os.getxattr(p, "user.one") == b"111", "replace")
    os.removexattr(p, "user.one")
    expect_errno(errno.ENODATA, os.getxattr, p, "user.one")
    check(os.listxattr(p) == ["user.two"], "after remove")


def case_mknod_fallocate_fsync(d):
    os.mknod(f"{d}/node", stat.S_IFREG | 0o640)
    st = os.stat(f"{d}/node")
    check(stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o640, "mknod a regular file")
    expect_errno(errno.EPERM, os.mkfifo, f"{d}/fifo")
    fd = os.open(f"{d}/alloc", os.O_CREAT | os.O_RDWR, 0o644)
    os.write(fd, b"12345")
    os.posix_fallocate(fd, 0, 3 * MIB)
    check(os.fstat(fd).st_size == 3 * MIB, "fallocate extends")
    os.posix_fallocate(fd, 0, 10)
    check(os.fstat(fd).st_size == 3 * MIB, "fallocate inside keeps the size")
    os.fsync(fd)
    os.fdatasync(fd)
    os.close(fd)
    with open(f"{d}/alloc", "rb") as f:
        check(f.read(8) == b"12345\0\0\0", "fallocated bytes read as zeros")


def case_mass_unlink(d):
    """Many unlinks in one directory, as rm -r makes: past the first few the mount answers them
    itself and applies them in batches (unlink-behind); every view of the directory must already
    show them gone, and what else touches the directory must see them applied."""
    names = [f"n{i:04d}" for i in range(300)]
    for n in names:
        write_file(f"{d}/{n}", n.encode())
    os.link(f"{d}/n0299", f"{d}/second-link")
    write_file(f"{d}/kept-open", b"open")
    fd = os.open(f"{d}/kept-open", os.O_RDONLY)
    for n in names[:250]:
        os.unlink(f"{d}/{n}")
        expect_errno(errno.ENOENT, os.stat, f"{d}/{n}")
    check(sorted(os.listdir(d)) == sorted(names[250:] + ["second-link", "kept-open"]),
          "a listing right after the unlinks shows exactly what is left")
    # The same name again, at once: the new file, not the old one nor an EEXIST.
    write_file(f"{d}/{names[0]}", b"new")
    check(read_file(f"{d}/{names[0]}") == b"new", "a name unlinked and created again")
    os.unlink(f"{d}/kept-open")
    check(os.read(fd, 10) == b"open", "a file unlinked while open stays readable")
    os.close(fd)
    os.unlink(f"{d}/n0299")
    check(os.stat(f"{d}/second-link").st_nlink == 1, "the other link stays, with one link")
    check(read_file(f"{d}/second-link") == b"n0299", "through the other link")
    os.rename(f"{d}/n0298", f"{d}/{names[1]}")  # onto a name just unlinked
    check(read_file(f"{d}/{names[1]}") == b"n0298", "renamed onto an unlinked name")
    dfd = os.open(d, os.O_RDONLY)
    os.fsync(dfd)  # the unlinks answered early are applied by now
    os.close(dfd)
    sub = f"{d}/sub"
    os.mkdir(sub)
    for i in range(100):
        write_file(f"{sub}/{i}", b"x")
    for i in range(100):
        os.unlink(f"{sub}/{i}")
    os.rmdir(sub)  # empty only once its unlinks are applied
    expect_errno(errno.ENOENT, os.stat, sub)
    os.mkdir(sub)
    for i in range(100):
        write_file(f"{sub}/{i}", b"x")
    os.mkdir(f"{d}/replacement")
    for i in range(100):
        os.unlink(f"{sub}/{i}")
    os.rename(f"{d}/replacement", sub)  # rename(2) over a directory just emptied
    check(os.listdir(sub) == [], "the replacement, empty")
    left = sorted(os.listdir(d))
    check(left == sorted([names[0], names[1]] + names[250:298] + ["second-link", "sub"]),
          f"what is left at the end: {left}")


def case_mass_create(d):
    """Many new files in one directory, as a dataloader's or a checkpoint's writers make: past the
    first few the mount answers the creates itself and applies them in batches (create-behind);
    each file must be there, whole, for everything that follows at once."""
    names = [f"c{i:04d}" for i in range(300)]
    for n in names:
        os.close(os.open(f"{d}/{n}", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o640))
    for n in names[:20]:
        st = os.stat(f"{d}/{n}")
        check(st.st_size == 0 and st.st_nlink == 1 and (st.st_mode & 0o777) == 0o640,
              f"a new file's attributes: {n}")
    check(sorted(os.listdir(d)) == names, "a listing right after the creates shows them all")
    expect_errno(errno.EEXIST, os.open, f"{d}/c0005", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    # Written whole right after it was made, through the handle that made it, and read back.
    for i in range(20):
        path = f"{d}/w{i}"
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o644)
        os.write(fd, f"data {i} ".encode() * 1000)
        if i % 2 == 0:
            os.fsync(fd)
        os.close(fd)
    for i in range(20):
        check(read_file(f"{d}/w{i}") == f"data {i} ".encode() * 1000, f"w{i} read back")
    # A handle written after its create was applied, another read before writing.
    fd = os.open(f"{d}/late", os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o644)
    check(os.read(fd, 10) == b"", "a new file reads empty")
    os.write(fd, b"late")
    os.close(fd)
    check(read_file(f"{d}/late") == b"late", "written after a read")
    # Every other operation on files just made.
    os.close(os.open(f"{d}/attrs", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    os.chmod(f"{d}/attrs", 0o604)
    os.utime(f"{d}/attrs", (1_000_000, 2_000_000))
    st = os.stat(f"{d}/attrs")
    check((st.st_mode & 0o777) == 0o604 and st.st_mtime == 2_000_000, "chmod and utime")
    os.close(os.open(f"{d}/linked", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    os.link(f"{d}/linked", f"{d}/linked2")
    check(os.stat(f"{d}/linked").st_nlink == 2, "a hard link to a file just made")
    os.close(os.open(f"{d}/moved", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    os.rename(f"{d}/moved", f"{d}/moved2")
    expect_errno(errno.ENOENT, os.stat, f"{d}/moved")
    check(os.stat(f"{d}/moved2").st_size == 0, "renamed just after it was made")
    fd = os.open(f"{d}/gone", os.O_CREAT | os.O_EXCL | os.O_RDWR)
    os.unlink(f"{d}/gone")  # made, still open, unlinked
    os.write(fd, b"still here")
    os.lseek(fd, 0, 0)
    check(os.read(fd, 20) == b"still here", "a file made and unlinked while open")
    os.close(fd)
    for n in names[:100]:
        os.unlink(f"{d}/{n}")
    os.close(os.open(f"{d}/{names[0]}", os.O_CREAT | os.O_EXCL | os.O_WRONLY))  # made again
    os.setxattr(f"{d}/{names[0]}", "user.k", b"v")
    check(os.getxattr(f"{d}/{names[0]}", "user.k") == b"v", "an xattr on a file just made")
    dfd = os.open(d, os.O_RDONLY)
    os.fsync(dfd)  # every create answered early is applied by now
    os.close(dfd)
    expected = sorted([names[0]] + names[100:] + [f"w{i}" for i in range(20)]
                      + ["late", "attrs", "linked", "linked2", "moved2"])
    check(sorted(os.listdir(d)) == expected, f"what is left: {len(os.listdir(d))} names")


def case_permissions_as_nobody(d):
    os.chmod(d, 0o755)
    write_file(f"{d}/secret", b"s", 0o600)
    write_file(f"{d}/readonly", b"r", 0o644)
    os.mkdir(f"{d}/closed", 0o700)
    write_file(f"{d}/closed/inner", b"i", 0o644)
    os.mkdir(f"{d}/open")
    os.chmod(f"{d}/open", 0o777)  # mkdir's mode passes through the umask
    os.mkdir(f"{d}/sticky")
    os.chmod(f"{d}/sticky", 0o1777)
    write_file(f"{d}/sticky/roots", b"x", 0o666)
    script = f"/tmp/posix_suite_{os.getpid()}.py"
    with open(__file__, "rb") as src, open(script, "wb") as dst:
        dst.write(src.read())
    os.chmod(script, 0o644)
    try:
        r = subprocess.run(["runuser", "-u", "nobody", "--", "/usr/bin/python3", script, "--nobody", d],
                           capture_output=True, text=True, timeout=120)
    finally:
        os.unlink(script)
    sys.stdout.write(r.stdout)
    check(r.returncode == 0, f"the unprivileged cases failed: {r.stderr.strip()[-500:]}")
    st = os.stat(f"{d}/open/mine")
    check(st.st_uid == 65534, f"a file nobody made is nobody's (uid {st.st_uid})")


def nobody_cases(d):
    expect_errno(errno.EACCES, open, f"{d}/secret", "rb")
    check(open(f"{d}/readonly", "rb").read() == b"r", "others may read 0644")
    expect_errno(errno.EACCES, open, f"{d}/readonly", "r+b")
    expect_errno(errno.EACCES, os.open, f"{d}/new", os.O_CREAT | os.O_WRONLY, 0o644)
    expect_errno(errno.EACCES, os.mkdir, f"{d}/newdir")
    expect_errno(errno.EACCES, os.listdir, f"{d}/closed")
    expect_errno(errno.EACCES, os.stat, f"{d}/closed/inner")
    expect_errno(errno.EPERM, os.chmod, f"{d}/readonly", 0o777)
    expect_errno(errno.EPERM, os.chown, f"{d}/readonly", 65534, 65534)
    expect_errno(errno.EACCES, os.unlink, f"{d}/readonly")
    check(not os.access(f"{d}/secret", os.R_OK), "access says no")
    check(os.access(f"{d}/readonly", os.R_OK) and not os.access(f"{d}/readonly", os.W_OK),
          "access on 0644")
    write_file(f"{d}/open/mine", b"m", 0o600)
    os.chmod(f"{d}/open/mine", 0o640)
    expect_errno(errno.EPERM, os.unlink, f"{d}/sticky/roots")
    expect_errno(errno.EPERM, os.rename, f"{d}/sticky/roots", f"{d}/sticky/moved")
    write_file(f"{d}/sticky/own", b"o")
    os.unlink(f"{d}/sticky/own")
    with open(f"{d}/sticky/roots", "r+b") as f:  # 0666: anyone may write it
        f.write(b"y")


CASES = [
    case_create_read_write, case_larger_than_a_stripe, case_sparse, case_append, case_truncate,
    case_unlink_while_open, case_rename, case_hard_links, case_symlinks, case_directories,
    case_readdir, case_attributes, case_xattrs, case_mknod_fallocate_fsync, case_mass_unlink,
    case_mass_create, case_permissions_as_nobody,
]


def run(cases, base, fresh):
    failures = 0
    for case in cases:
        d = f"{base}/{case.__name__}" if fresh else base
        if fresh:
            os.mkdir(d)
        try:
            case(d)
            print(f"PASS {case.__name__}", flush=True)
        except Exception as e:  # a case's failure must not stop the others
            failures += 1
            print(f"FAIL {case.__name__}: {type(e).__name__}: {e}", flush=True)
    return failures


def main():
    if sys.argv[1] == "--nobody":
        def nobody(_):
            nobody_cases(sys.argv[2])
        nobody.__name__ = "nobody_cases"
        sys.exit(run([nobody], sys.argv[2], False))
    base = os.path.join(sys.argv[1], f"posix-{os.getpid()}")
    os.mkdir(base)
    print(f"posix suite on {base}, seed {SEED} (replay with POSIX_SEED={SEED})", flush=True)
    failures = run(CASES, base, True)
    print(f"{len(CASES) - failures} passed, {failures} failed", flush=True)
    sys.exit(failures)


if __name__ == "__main__":
    main()
