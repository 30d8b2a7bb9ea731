#!/usr/bin/env bash
# Real tools on a mounted file system: tools.sh MOUNT_DIR SOURCE_TREE
# cp -a and diff -r, tar create and extract, git init/add/commit/log/fsck, fio sequential and random
# jobs with verification, rsync with and without --delete. Prints one line per step; exits non-zero
# at the first step that fails, naming it.
set -uo pipefail
mnt="$1"
src="$2"
work="$mnt/tools-$$"
mkdir "$work" || exit 1

step() {
  local name="$1"
  shift
  local start=$SECONDS
  if out=$("$@" 2>&1); then
    echo "PASS $name ($((SECONDS - start)) s)"
  else
    echo "FAIL $name"
    echo "$out" | tail -20
    exit 1
  fi
}

copy_and_diff() {
  cp -a "$src" "$work/tree" && diff -r "$src" "$work/tree"
}

tar_round_trip() {
  tar -C "$src/.." -cf "$work/tree.tar" "$(basename "$src")" &&
    mkdir "$work/untar" && tar -C "$work/untar" -xf "$work/tree.tar" &&
    diff -r "$src" "$work/untar/$(basename "$src")"
}

git_repo() {
  local repo="$work/repo"
  mkdir "$repo" && cd "$repo" && git init -q &&
    cp -a "$src/." . &&
    git add -A && git -c user.email=t@j3fs -c user.name=t commit -qm first &&
    echo "one more line" >> "$(git ls-files | head -1)" &&
    git -c user.email=t@j3fs -c user.name=t commit -qam second &&
    [ "$(git log --oneline | wc -l)" = 2 ] &&
    git fsck --strict &&
    [ -z "$(git status --porcelain)" ]
}

fio_sequential() {
  fio --name=seq --directory="$work" --rw=write --bs=1M --size=64M --verify=crc32c --verify_state_save=0 \
    --do_verify=1 --end_fsync=1 --output-format=terse | awk -F';' '{ if ($5 != 0) exit 1 }'
}

fio_random() {
  fio --name=rnd --directory="$work" --rw=randwrite --bs=4k --size=4M --numjobs=2 --iodepth=16 --verify_state_save=0 \
    --ioengine=libaio --direct=1 --verify=crc32c --do_verify=1 --output-format=terse |
    awk -F';' '{ if ($5 != 0) exit 1 }'
}

rsync_sync() {
  rsync -a "$src/" "$work/rs/" && diff -r "$src" "$work/rs" &&
    touch "$work/rs/extra" && rsync -a --delete "$src/" "$work/rs/" && diff -r "$src" "$work/rs"
}

step "cp -a, diff -r" copy_and_diff
step "tar create, extract, diff -r" tar_round_trip
step "git init, add, commit, log, fsck" git_repo
step "fio sequential write with verify" fio_sequential
step "fio random write with verify (libaio, direct)" fio_random
step "rsync, rsync --delete" rsync_sync
rm -rf "$work" && echo "PASS rm -rf"
