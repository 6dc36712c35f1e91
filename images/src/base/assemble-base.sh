#!/usr/bin/env bash
# Assembles the default base of Tandem's images without a registry: a jlink'd Java runtime under /opt/java, the
# shared libraries it links (from this build machine's glibc), /etc/passwd naming the non-root user and a /tmp.
# Jib adds the result as an extra directory on top of `scratch`. Reused while the runtime and the module list match,
# so only the first image of a build pays for jlink.
set -euo pipefail

out=${1:?usage: assemble-base.sh OUT_DIR [JAVA_HOME]}
java_home=${2:-${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}}

# Generous rather than jdeps-exact: the apps, Kafka clients (SASL, Kerberos, TLS), Jetty/Jersey in the Connect
# worker, JMX and JFR for operators. java.desktop is there for java.beans, which Jackson and Jersey touch.
modules=java.base,java.compiler,java.desktop,java.instrument,java.logging,java.management,java.management.rmi,\
java.naming,java.net.http,java.prefs,java.rmi,java.scripting,java.security.jgss,java.security.sasl,java.sql,\
java.transaction.xa,java.xml,jdk.crypto.cryptoki,jdk.crypto.ec,jdk.httpserver,jdk.jfr,jdk.management,\
jdk.management.agent,jdk.naming.dns,jdk.net,jdk.security.auth,jdk.security.jgss,jdk.unsupported,jdk.zipfs

stamp="$("$java_home/bin/java" -version 2>&1 | head -2 | tr -d '\n') $modules"
if [[ -f "$out/.stamp" && "$(cat "$out/.stamp")" == "$stamp" ]]; then
  exit 0
fi

rm -rf "$out"
mkdir -p "$out/opt" "$out/etc" "$out/tmp"
"$java_home/bin/jlink" --add-modules "$modules" --output "$out/opt/java" \
  --strip-debug --no-header-files --no-man-pages --compress=2

# Every shared library the runtime's executables and libraries need, copied as files (Jib would not follow links).
# Modules load a few libraries lazily; ldd over all of them finds those too, except AWT's, fonts' and sound's: no app
# draws, and they would bring X11 and its friends. libstdc++ and libgcc_s stay for the JNI libraries Kafka extracts
# (RocksDB, zstd, snappy, lz4).
libs=$( (find "$out/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' \) \
  | grep -Ev '/lib(awt|jawt|fontmanager|jsound|splashscreen|lcms|javajpeg|mlib_image)[^/]*\.so$' | xargs ldd; \
  ldd /lib/x86_64-linux-gnu/libstdc++.so.6) 2>/dev/null \
  | awk '/=> \// {print $3} /^\t\/lib/ {print $1}' | sort -u)
for lib in $libs; do
  case "$lib" in "$out"/*) continue ;; esac
  mkdir -p "$out$(dirname "$lib")"
  cp -L "$lib" "$out$lib"
done
# glibc loads the name service modules by name at run time (getpwuid, host lookups); ldd does not see them.
for extra in /lib/x86_64-linux-gnu/libnss_files.so.2 /lib/x86_64-linux-gnu/libnss_dns.so.2 \
  /lib/x86_64-linux-gnu/libresolv.so.2; do
  if [[ -e "$extra" ]]; then mkdir -p "$out$(dirname "$extra")"; cp -L "$extra" "$out$extra"; fi
done

cat > "$out/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
PASSWD
cat > "$out/etc/group" <<'GROUP'
root:x:0:
nonroot:x:65532:
GROUP
printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$out/etc/nsswitch.conf"
mkdir -p "$out/home/nonroot"
echo "$stamp" > "$out/.stamp"
