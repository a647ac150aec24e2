// bench/coherence.c — what rewriting a buffer costs when the other core has just read it, against
// rewriting one that only this core touches: the reason native/cpu/conv.cc gives each thread its own
// padded copy (and packed columns) at batch 1, where a layer's scratch is rewritten on every call after
// the other thread read it. Two OpenMP threads; each round thread 0 memsets the buffer (timed), then
// thread 1 reads one float per cache line of it (mode "read by the other") or does nothing ("alone").
//   cc -O2 -fopenmp bench/coherence.c -o /tmp/coherence && /tmp/coherence [rounds]
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

// the median time (us) of one memset of `bytes` by thread 0 over `rounds` rounds
static double run(size_t bytes, int read, int rounds) {
  float* buf = aligned_alloc(64, (bytes + 63) / 64 * 64);
  double* t = malloc(sizeof(double) * rounds);
  volatile float sink = 0;
  memset(buf, 0, bytes);
#pragma omp parallel num_threads(2)
  for (int r = 0; r < rounds; ++r) {
#pragma omp barrier
    if (omp_get_thread_num() == 0) {
      const double a = omp_get_wtime();
      memset(buf, r & 1, bytes);
      __asm__ volatile("" ::"r"(buf) : "memory");
      t[r] = (omp_get_wtime() - a) * 1e6;
    }
#pragma omp barrier
    if (read && omp_get_thread_num() == 1) {
      float s = 0;
      for (size_t i = 0; i < bytes / 4; i += 16) s += buf[i];
      sink += s;
    }
  }
  qsort(t, rounds, sizeof(double), cmp);
  const double m = t[rounds / 2];
  free(t);
  free(buf);
  return m;
}

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? atoi(argv[1]) : 20000;
  const size_t sizes[] = {4096, 25600, 102400, 409600};
  printf("2 OpenMP threads, %d rounds per figure (medians)\n", rounds);
  printf("bytes      rewrite after the other core read it (us)   rewrite, this core only (us)   ratio\n");
  for (int i = 0; i < 4; ++i) {
    const double shared = run(sizes[i], 1, rounds), alone = run(sizes[i], 0, rounds);
    printf("%-10zu %42.2f %30.2f %7.1f\n", sizes[i], shared, alone, shared / alone);
  }
  return 0;
}
