// A VFS over SQLite's default one that joins the write-ahead-log writes of a
// commit into one write(2).
//
// SQLite writes each WAL frame with two calls, its 24-byte header and its
// page, so a commit touching n pages costs 2n pwrite calls: at 10 000
// messages a second that was 3.9 write calls a message on the writer thread
// (Docs/BENCHMARKS.md). Here contiguous writes to a WAL file are kept in a
// buffer and written at once:
// - when the page after a commit frame's header arrives (a frame header's
//   bytes 4-7 hold the database size for a commit frame, zero otherwise).
//   SQLite publishes a commit (the wal-index header that lets other
//   connections read the frames) only after its last frame is written, so
//   the frames are in the file, as before, before anyone can see them, and a
//   failed write still fails the commit;
// - before anything else touches the file (read, sync, truncate, size,
//   file control, close), or when a write is not contiguous or the buffer
//   is full.
// A write below the end of the last commit (SQLite rewriting the checksums
// of frames after a commit that overwrote some) goes straight to the file.
// Writes to every other file go straight through. Durability is unchanged:
// the same bytes reach the OS before the commit returns, and a sync
// (synchronous = FULL, checkpoints) writes the buffer first.
#include "CSQLiteWALBatching.h"

#include <pthread.h>
#include <sqlite3.h>
#include <string.h>

enum {
    frameHeaderSize = 24,
    // SQLite's unix VFS writes at most 128 KiB - 1 in one call (it masks the
    // length with 0x1ffff) and reports a longer write as a full disk.
    bufferLimit = 64 << 10,
};

typedef struct BatchingFile {
    sqlite3_file base;
    sqlite3_file *real; // the default VFS's file, allocated right after this struct
    int isWAL;
    int commitFramePending; // the last write was a commit frame's header
    sqlite3_int64 committedEnd; // the end of the last commit written through this handle
    unsigned char *buffer;
    sqlite3_int64 bufferOffset; // where buffer[0] goes in the file
    int bufferLength;
    int bufferCapacity;
} BatchingFile;

static sqlite3_vfs *defaultVFS;
static sqlite3_vfs batchingVFS;
static sqlite3_io_methods batchingMethods;

static int flush(BatchingFile *file) {
    if (file->bufferLength == 0) return SQLITE_OK;
    int length = file->bufferLength;
    file->bufferLength = 0;
    return file->real->pMethods->xWrite(file->real, file->buffer, length, file->bufferOffset);
}

// Grows the buffer to hold `needed` bytes, up to bufferLimit; 0 when it cannot.
static int reserve(BatchingFile *file, int needed) {
    if (needed > bufferLimit) return 0;
    if (needed <= file->bufferCapacity) return 1;
    int capacity = file->bufferCapacity ? file->bufferCapacity : 16 << 10;
    while (capacity < needed) capacity *= 2;
    if (capacity > bufferLimit) capacity = bufferLimit;
    unsigned char *grown = sqlite3_realloc(file->buffer, capacity);
    if (!grown) return 0;
    file->buffer = grown;
    file->bufferCapacity = capacity;
    return 1;
}

static int isCommitFrameHeader(const void *data, int amount) {
    const unsigned char *bytes = data;
    return amount == frameHeaderSize && (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0;
}

static int walWrite(BatchingFile *file, const void *data, int amount, sqlite3_int64 offset) {
    int commitPage = file->commitFramePending; // this write is a commit frame's page
    file->commitFramePending = isCommitFrameHeader(data, amount);
    if (offset == 0) file->committedEnd = 0; // a new log begins with its header
    if (offset < file->committedEnd) {
        // A committed frame rewritten (SQLite recomputes checksums after a
        // commit that overwrote frames): straight to the file, as it may
        // already be visible.
        int rc = flush(file);
        if (rc != SQLITE_OK) return rc;
        return file->real->pMethods->xWrite(file->real, data, amount, offset);
    }
    int contiguous = file->bufferLength > 0 && offset == file->bufferOffset + file->bufferLength;
    if (!contiguous || !reserve(file, file->bufferLength + amount)) {
        int rc = flush(file);
        if (rc != SQLITE_OK) return rc;
        if (!reserve(file, amount)) {
            rc = file->real->pMethods->xWrite(file->real, data, amount, offset);
            if (commitPage && rc == SQLITE_OK) file->committedEnd = offset + amount;
            return rc;
        }
        file->bufferOffset = offset;
    }
    memcpy(file->buffer + file->bufferLength, data, amount);
    file->bufferLength += amount;
    if (!commitPage) return SQLITE_OK;
    file->committedEnd = offset + amount;
    return flush(file);
}

static int batchingWrite(sqlite3_file *base, const void *data, int amount, sqlite3_int64 offset) {
    BatchingFile *file = (BatchingFile *)base;
    if (file->isWAL) return walWrite(file, data, amount, offset);
    return file->real->pMethods->xWrite(file->real, data, amount, offset);
}

// The buffer written, for every call that reads or changes the file otherwise.
#define FLUSHED(file)                             \
    do {                                          \
        int flushed = flush(file);                \
        if (flushed != SQLITE_OK) return flushed; \
    } while (0)

static int batchingClose(sqlite3_file *base) {
    BatchingFile *file = (BatchingFile *)base;
    int flushed = flush(file);
    int closed = file->real->pMethods->xClose(file->real);
    sqlite3_free(file->buffer);
    file->buffer = NULL;
    file->bufferCapacity = 0;
    return flushed != SQLITE_OK ? flushed : closed;
}

static int batchingRead(sqlite3_file *base, void *data, int amount, sqlite3_int64 offset) {
    BatchingFile *file = (BatchingFile *)base;
    FLUSHED(file);
    return file->real->pMethods->xRead(file->real, data, amount, offset);
}

static int batchingTruncate(sqlite3_file *base, sqlite3_int64 size) {
    BatchingFile *file = (BatchingFile *)base;
    FLUSHED(file);
    return file->real->pMethods->xTruncate(file->real, size);
}

static int batchingSync(sqlite3_file *base, int flags) {
    BatchingFile *file = (BatchingFile *)base;
    FLUSHED(file);
    return file->real->pMethods->xSync(file->real, flags);
}

static int batchingFileSize(sqlite3_file *base, sqlite3_int64 *size) {
    BatchingFile *file = (BatchingFile *)base;
    FLUSHED(file);
    return file->real->pMethods->xFileSize(file->real, size);
}

static int batchingFileControl(sqlite3_file *base, int op, void *argument) {
    BatchingFile *file = (BatchingFile *)base;
    FLUSHED(file);
    return file->real->pMethods->xFileControl(file->real, op, argument);
}

static int batchingLock(sqlite3_file *base, int level) {
    sqlite3_file *real = ((BatchingFile *)base)->real;
    return real->pMethods->xLock(real, level);
}

static int batchingUnlock(sqlite3_file *base, int level) {
    sqlite3_file *real = ((BatchingFile *)base)->real;
    return real->pMethods->xUnlock(real, level);
}

static int batchingCheckReservedLock(sqlite3_file *base, int *reserved) {
    sqlite3_file *real = ((BatchingFile *)base)->real;
    return real->pMethods->xCheckReservedLock(real, reserved);
}

static int batchingSectorSize(sqlite3_file *base) {
    sqlite3_file *real = ((BatchingFile *)base)->real;
    return real->pMethods->xSectorSize(real);
}

static int batchingDeviceCharacteristics(sqlite3_file *base) {
    sqlite3_file *real = ((BatchingFile *)base)->real;
    return real->pMethods->xDeviceCharacteristics(real);
}

static int batchingShmMap(sqlite3_file *base, int region, int size, int extend, void volatile **memory) {
    sqlite3_file *real = ((BatchingFile *)base)->real;
    if (real->pMethods->iVersion < 2) return SQLITE_IOERR_SHMMAP;
    return real->pMethods->xShmMap(real, region, size, extend, memory);
}

static int batchingShmLock(sqlite3_file *base, int offset, int count, int flags) {
    sqlite3_file *real = ((BatchingFile *)base)->real;
    if (real->pMethods->iVersion < 2) return SQLITE_IOERR_SHMLOCK;
    return real->pMethods->xShmLock(real, offset, count, flags);
}

static void batchingShmBarrier(sqlite3_file *base) {
    sqlite3_file *real = ((BatchingFile *)base)->real;
    if (real->pMethods->iVersion >= 2) real->pMethods->xShmBarrier(real);
}

static int batchingShmUnmap(sqlite3_file *base, int deleteFlag) {
    sqlite3_file *real = ((BatchingFile *)base)->real;
    if (real->pMethods->iVersion < 2) return SQLITE_OK;
    return real->pMethods->xShmUnmap(real, deleteFlag);
}

static int batchingFetch(sqlite3_file *base, sqlite3_int64 offset, int amount, void **pointer) {
    BatchingFile *file = (BatchingFile *)base;
    *pointer = NULL;
    if (file->real->pMethods->iVersion < 3) return SQLITE_OK;
    FLUSHED(file);
    return file->real->pMethods->xFetch(file->real, offset, amount, pointer);
}

static int batchingUnfetch(sqlite3_file *base, sqlite3_int64 offset, void *pointer) {
    sqlite3_file *real = ((BatchingFile *)base)->real;
    if (real->pMethods->iVersion < 3) return SQLITE_OK;
    return real->pMethods->xUnfetch(real, offset, pointer);
}

static int batchingOpen(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *base, int flags, int *outFlags) {
    (void)vfs;
    BatchingFile *file = (BatchingFile *)base;
    memset(file, 0, sizeof *file);
    file->real = (sqlite3_file *)&file[1];
    file->isWAL = (flags & SQLITE_OPEN_WAL) != 0;
    int rc = defaultVFS->xOpen(defaultVFS, name, file->real, flags, outFlags);
    // SQLite calls xClose whenever pMethods is set, even after an error.
    file->base.pMethods = file->real->pMethods ? &batchingMethods : NULL;
    return rc;
}

static int batchingDelete(sqlite3_vfs *vfs, const char *name, int syncDirectory) {
    (void)vfs;
    return defaultVFS->xDelete(defaultVFS, name, syncDirectory);
}

static int batchingAccess(sqlite3_vfs *vfs, const char *name, int flags, int *result) {
    (void)vfs;
    return defaultVFS->xAccess(defaultVFS, name, flags, result);
}

static int batchingFullPathname(sqlite3_vfs *vfs, const char *name, int size, char *output) {
    (void)vfs;
    return defaultVFS->xFullPathname(defaultVFS, name, size, output);
}

static void *batchingDlOpen(sqlite3_vfs *vfs, const char *name) {
    (void)vfs;
    return defaultVFS->xDlOpen(defaultVFS, name);
}

static void batchingDlError(sqlite3_vfs *vfs, int size, char *message) {
    (void)vfs;
    defaultVFS->xDlError(defaultVFS, size, message);
}

static void (*batchingDlSym(sqlite3_vfs *vfs, void *handle, const char *symbol))(void) {
    (void)vfs;
    return defaultVFS->xDlSym(defaultVFS, handle, symbol);
}

static void batchingDlClose(sqlite3_vfs *vfs, void *handle) {
    (void)vfs;
    defaultVFS->xDlClose(defaultVFS, handle);
}

static int batchingRandomness(sqlite3_vfs *vfs, int size, char *output) {
    (void)vfs;
    return defaultVFS->xRandomness(defaultVFS, size, output);
}

static int batchingSleep(sqlite3_vfs *vfs, int microseconds) {
    (void)vfs;
    return defaultVFS->xSleep(defaultVFS, microseconds);
}

static int batchingCurrentTime(sqlite3_vfs *vfs, double *now) {
    (void)vfs;
    return defaultVFS->xCurrentTime(defaultVFS, now);
}

static int batchingGetLastError(sqlite3_vfs *vfs, int size, char *message) {
    (void)vfs;
    return defaultVFS->xGetLastError ? defaultVFS->xGetLastError(defaultVFS, size, message) : 0;
}

static int batchingCurrentTimeInt64(sqlite3_vfs *vfs, sqlite3_int64 *now) {
    (void)vfs;
    if (defaultVFS->iVersion >= 2 && defaultVFS->xCurrentTimeInt64) {
        return defaultVFS->xCurrentTimeInt64(defaultVFS, now);
    }
    double days;
    int rc = defaultVFS->xCurrentTime(defaultVFS, &days);
    *now = (sqlite3_int64)(days * 86400000.0);
    return rc;
}

static pthread_once_t registration = PTHREAD_ONCE_INIT;
static int registrationResult = SQLITE_OK;

static void registerOnce(void) {
    defaultVFS = sqlite3_vfs_find(NULL);
    if (!defaultVFS) {
        registrationResult = SQLITE_ERROR;
        return;
    }
    batchingMethods = (sqlite3_io_methods){
        .iVersion = 3,
        .xClose = batchingClose,
        .xRead = batchingRead,
        .xWrite = batchingWrite,
        .xTruncate = batchingTruncate,
        .xSync = batchingSync,
        .xFileSize = batchingFileSize,
        .xLock = batchingLock,
        .xUnlock = batchingUnlock,
        .xCheckReservedLock = batchingCheckReservedLock,
        .xFileControl = batchingFileControl,
        .xSectorSize = batchingSectorSize,
        .xDeviceCharacteristics = batchingDeviceCharacteristics,
        .xShmMap = batchingShmMap,
        .xShmLock = batchingShmLock,
        .xShmBarrier = batchingShmBarrier,
        .xShmUnmap = batchingShmUnmap,
        .xFetch = batchingFetch,
        .xUnfetch = batchingUnfetch,
    };
    batchingVFS = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)sizeof(BatchingFile) + defaultVFS->szOsFile,
        .mxPathname = defaultVFS->mxPathname,
        .zName = "mpim-wal-batching",
        .xOpen = batchingOpen,
        .xDelete = batchingDelete,
        .xAccess = batchingAccess,
        .xFullPathname = batchingFullPathname,
        .xDlOpen = batchingDlOpen,
        .xDlError = batchingDlError,
        .xDlSym = batchingDlSym,
        .xDlClose = batchingDlClose,
        .xRandomness = batchingRandomness,
        .xSleep = batchingSleep,
        .xCurrentTime = batchingCurrentTime,
        .xGetLastError = batchingGetLastError,
        .xCurrentTimeInt64 = batchingCurrentTimeInt64,
    };
    registrationResult = sqlite3_vfs_register(&batchingVFS, 1);
}

int mpim_sqlite_register_wal_batching(void) {
    pthread_once(&registration, registerOnce);
    return registrationResult;
}
