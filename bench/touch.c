/* The reference for memlab's fault path: map SIZE bytes of anonymous
 * memory, keep huge pages off, touch one byte per page, and print the
 * nanoseconds per fault of the touch loop alone (the same span memlab's
 * demand-paging worker times at --rate max).
 *
 * usage: touch SIZE_BYTES
 * prints: ns_per_fault minflt_delta rss_kib_before_map
 * (the last is this process's resident size before it maps anything, from
 * /proc/self/statm: the footprint to compare with memlab's worker).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static long minflt(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

static long rss_kib(void) {
    long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &size, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s SIZE_BYTES\n", argv[0]);
        return 2;
    }
    size_t size = strtoull(argv[1], NULL, 10);
    long page = sysconf(_SC_PAGESIZE);
    long rss0 = rss_kib();
    char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    madvise(p, size, MADV_NOHUGEPAGE);
    long f0 = minflt();
    double t0 = now_ns();
    for (size_t off = 0; off < size; off += page)
        ((volatile char *)p)[off] = 1;
    double t1 = now_ns();
    long f1 = minflt();
    printf("%.1f %ld %ld\n", (t1 - t0) / (double)(size / page), f1 - f0, rss0);
    return 0;
}
