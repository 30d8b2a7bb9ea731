# Sourced by ./mvnw, ./j3fs and scripts/*.sh: points JAVA_HOME at a JDK 25 or stops with one line saying what to install.
# The machine's default java may be older (17 on the java-maven kind), so PATH alone cannot be trusted.
# Callers may run with 'set -f' (mvnw does): globbing is switched on here and restored below.
case $- in *f*) j3fs_restore_noglob=1; set +f ;; *) j3fs_restore_noglob=0 ;; esac
j3fs_java_spec() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p'; }
j3fs_find_jdk25() {
  for candidate in "${J3FS_JAVA_HOME-}" "${JAVA_HOME-}" /usr/lib/jvm/temurin-25* /usr/lib/jvm/jdk-25* /usr/lib/jvm/*-25-* /opt/jdk-25* /opt/java/openjdk; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
    if [ "$(j3fs_java_spec "$candidate")" = "25" ]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}
if ! J3FS_JDK="$(j3fs_find_jdk25)"; then
  echo "j3fs needs JDK 25: install Temurin 25 (for example the temurin-25-jdk package) under /usr/lib/jvm or set J3FS_JAVA_HOME" >&2
  exit 1
fi
export JAVA_HOME="$J3FS_JDK"
export PATH="$JAVA_HOME/bin:$PATH"
if [ "$j3fs_restore_noglob" = 1 ]; then set -f; fi
