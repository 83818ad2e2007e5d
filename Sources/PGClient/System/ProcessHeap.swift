import CLibPQ

/// The process's C heap, where libpq's results and Swift's strings live.
public enum ProcessHeap {
    /// Returns memory that was freed to the system (glibc's `malloc_trim`): glibc keeps what
    /// each thread freed in that thread's arena, so a phase that read and dropped a large
    /// catalog would otherwise stay at its peak for the rest of the run.
    public static func releaseFreedMemory() {
        CLibPQ_releaseFreedHeap()
    }

    /// Caps glibc's malloc arenas (`mallopt(M_ARENA_MAX)`), before threads start: each thread
    /// that finds the arenas busy gets one of its own, up to 8 per core, and memory one thread
    /// freed stays in its arena, unused by the others. For a process, not a library, to decide.
    public static func limitArenas(to count: Int) {
        CLibPQ_limitHeapArenas(Int32(count))
    }

    /// The bytes the process holds from malloc (glibc's `mallinfo2`), freed ones not counted;
    /// nil where that is not known. What a phase holds, as against what RSS shows.
    public static var bytesInUse: Int? {
        let bytes = CLibPQ_heapBytesInUse()
        return bytes < 0 ? nil : Int(bytes)
    }
}
