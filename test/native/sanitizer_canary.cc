// test/native/sanitizer_canary.cc — deliberately broken code that proves AddressSanitizer and
// UndefinedBehaviorSanitizer are active in scripts/test_sanitizers.sh: compiled with the addon's
// sanitizer flags, each mode must be reported and must stop the program; "ok" must run clean.
// Modes (argv[1] of the executable, or TORCHLET_CANARY when built with -DCANARY_SHARED as a shared
// object that node dlopens, the way the sanitized addon is loaded):
//   heap      heap-buffer-overflow (ASan)       uaf      heap-use-after-free (ASan)
//   signed    signed integer overflow (UBSan)   align    misaligned load (UBSan)
//   ok        no bug: prints "canary ok" and returns 0
// The indices and values come from the mode string's length so the compiler cannot fold the bugs away.
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

int run_canary(const char* mode) {
  volatile int n = static_cast<int>(std::strlen(mode));  // opaque to the optimiser
  if (std::strcmp(mode, "heap") == 0) {
    int* p = new int[n];
    for (int i = 0; i < n; ++i) p[i] = i;
    const int v = p[n];  // one past the end
    delete[] p;
    return v;
  }
  if (std::strcmp(mode, "uaf") == 0) {
    int* volatile p = new int[n];  // a volatile pointer: the load below cannot be forwarded
    p[0] = n;
    delete[] p;
    return p[0];  // after free
  }
  if (std::strcmp(mode, "signed") == 0) {
    volatile int big = 2147483647;  // INT_MAX
    const int sum = big + n;        // overflows
    return sum & 1;
  }
  if (std::strcmp(mode, "align") == 0) {
    alignas(8) char buf[16] = {};
    volatile int off = n - 4;  // 1 for "align"
    const int* q = reinterpret_cast<const int*>(buf + off);
    return *q;  // misaligned int load
  }
  if (std::strcmp(mode, "ok") == 0) {
    int* p = new int[n];
    for (int i = 0; i < n; ++i) p[i] = i;
    const int v = p[n - 1];
    delete[] p;
    std::printf("canary ok\n");
    std::fflush(stdout);
    return v == n - 1 ? 0 : 1;
  }
  std::fprintf(stderr, "sanitizer_canary: unknown mode '%s'\n", mode);
  return 2;
}

}  // namespace

#ifdef CANARY_SHARED
// Runs when node dlopens the object (process.dlopen); node then reports that it is not an addon.
__attribute__((constructor)) static void canary_on_load() {
  const char* mode = std::getenv("TORCHLET_CANARY");
  if (mode) {
    const int r = run_canary(mode);
    std::printf("canary returned %d\n", r);
    std::fflush(stdout);
  }
}
#else
int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: sanitizer_canary heap|uaf|signed|align|ok\n");
    return 2;
  }
  const int r = run_canary(argv[1]);
  return std::strcmp(argv[1], "ok") == 0 ? r : 0;  // a bad mode "succeeds" unless a sanitizer stops it
}
#endif
