/* fa-fuzz's portable build (scripts/fuzz-bundle.sh, docs/Reliability.md):
 * definitions that the statically linked libstdc++ would otherwise take from
 * a newer glibc than the machines the bundle runs on.
 *
 * Debian 12's libstdc++.a calls arc4random (glibc 2.36) for
 * std::random_device; defined here, the link resolves it in the binary and
 * the binary asks for no GLIBC_2.36 symbol (Ubuntu 22.04 has 2.35). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/random.h>

uint32_t arc4random(void) {
  uint32_t value = 0;
  unsigned char *p = (unsigned char *)&value;
  size_t have = 0;
  while (have < sizeof value) {
    ssize_t n = getrandom(p + have, sizeof value - have, 0);
    if (n > 0)
      have += (size_t)n;
    else if (n < 0 && errno != EINTR)
      abort(); /* no entropy source: glibc aborts too */
  }
  return value;
}
