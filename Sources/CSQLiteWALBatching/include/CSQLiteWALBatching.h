#ifndef MPIM_SQLITE_WAL_BATCHING_H
#define MPIM_SQLITE_WAL_BATCHING_H

/// Makes a VFS that joins each commit's write-ahead-log writes into one
/// write(2) the process's default SQLite VFS (see wal_batching.c).
/// Safe to call more than once; returns an SQLite result code.
int mpim_sqlite_register_wal_batching(void);

#endif
