#ifndef CLIBPQ_SHIM_H
#define CLIBPQ_SHIM_H
#if __has_include(<libpq-fe.h>)
#include <libpq-fe.h>
#else
#include <postgresql/libpq-fe.h>
#endif

/* Character-literal macros do not import into Swift; re-export them as constants. */
static const int CLibPQ_DIAG_SQLSTATE = PG_DIAG_SQLSTATE;
static const int CLibPQ_DIAG_MESSAGE_PRIMARY = PG_DIAG_MESSAGE_PRIMARY;
static const int CLibPQ_DIAG_MESSAGE_DETAIL = PG_DIAG_MESSAGE_DETAIL;
static const int CLibPQ_DIAG_MESSAGE_HINT = PG_DIAG_MESSAGE_HINT;
static const int CLibPQ_DIAG_SEVERITY = PG_DIAG_SEVERITY_NONLOCALIZED;

#if defined(__GLIBC__)
#include <malloc.h>
/* glibc keeps what threads freed in their arenas; this hands it back to the system. */
static inline void CLibPQ_releaseFreedHeap(void) { malloc_trim(0); }
/* Bytes the program holds from malloc (small blocks and mmapped ones), freed ones not counted. */
static inline long long CLibPQ_heapBytesInUse(void) {
    struct mallinfo2 info = mallinfo2();
    return (long long)(info.uordblks + info.hblkhd);
}
/* At most `count` malloc arenas (glibc makes up to 8 per core, one per thread that contends). */
static inline void CLibPQ_limitHeapArenas(int count) { mallopt(M_ARENA_MAX, count); }
#else
static inline void CLibPQ_releaseFreedHeap(void) {}
static inline void CLibPQ_limitHeapArenas(int count) {}
static inline long long CLibPQ_heapBytesInUse(void) { return -1; }
#endif
#endif
