// Power-loss shim (LD_PRELOAD) for the power-loss tests (tests/tests/power_loss.rs).
//
// Every change a process makes under PL_ROOT is journalled *before* it happens, with what it
// replaces: the old bytes of each write, the old size and tail of each truncate, the files
// created, renamed and removed (a removed or replaced file is kept as a hard link in PL_STASH).
// fsync/fdatasync of a file journals "durable up to here" for that file; of a directory, for the
// names in it. After the process is killed, `dvc_tests::powerloss::power_cut` undoes, newest
// first, every change not made durable: the files are then as a disk that lost its cache would
// leave them (the worst case POSIX allows). With PL_IGNORE_SYNC=1 no sync counts, which the
// tests use to show that the harness does catch a store that never syncs.
//
// Not journalled: writes through mmap (SQLite's -shm index, rebuilt from the WAL after a crash),
// fallocate, copy_file_range/sendfile, and fds made by dup/fcntl(F_DUPFD). The tests check that
// the stores under test do not depend on them.
//
// Record: kind u8, ino u64, a u64, b u64, path (u32 len + bytes), path2 (u32 + bytes),
// data (u64 len + bytes); little-endian, one write() per record.
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAXFD 65536

static pthread_mutex_t mu = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static char root[PATH_MAX];
static size_t root_len;
static char stash[PATH_MAX];
static int jfd = -1;
static int ignore_sync;
static unsigned long stash_seq;
static char *paths[MAXFD];

static int (*r_open)(const char *, int, ...);
static int (*r_open64)(const char *, int, ...);
static int (*r_openat)(int, const char *, int, ...);
static int (*r_openat64)(int, const char *, int, ...);
static int (*r_creat)(const char *, mode_t);
static int (*r_creat64)(const char *, mode_t);
static ssize_t (*r_write)(int, const void *, size_t);
static ssize_t (*r_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*r_pwrite64)(int, const void *, size_t, off64_t);
static ssize_t (*r_writev)(int, const struct iovec *, int);
static ssize_t (*r_pwritev)(int, const struct iovec *, int, off_t);
static ssize_t (*r_pwritev64)(int, const struct iovec *, int, off64_t);
static int (*r_ftruncate)(int, off_t);
static int (*r_ftruncate64)(int, off64_t);
static int (*r_fsync)(int);
static int (*r_fdatasync)(int);
static int (*r_close)(int);
static int (*r_rename)(const char *, const char *);
static int (*r_renameat)(int, const char *, int, const char *);
static int (*r_renameat2)(int, const char *, int, const char *, unsigned int);
static int (*r_unlink)(const char *);
static int (*r_unlinkat)(int, const char *, int);
static int (*r_rmdir)(const char *);
static int (*r_mkdir)(const char *, mode_t);
static int (*r_mkdirat)(int, const char *, mode_t);
static int (*r_link)(const char *, const char *);
static int (*r_linkat)(int, const char *, int, const char *, int);

#define LOAD(name) r_##name = dlsym(RTLD_NEXT, #name)

__attribute__((constructor)) static void pl_init(void) {
  LOAD(open); LOAD(open64); LOAD(openat); LOAD(openat64); LOAD(creat); LOAD(creat64);
  LOAD(write); LOAD(pwrite); LOAD(pwrite64); LOAD(writev); LOAD(pwritev); LOAD(pwritev64);
  LOAD(ftruncate); LOAD(ftruncate64); LOAD(fsync); LOAD(fdatasync); LOAD(close);
  LOAD(rename); LOAD(renameat); LOAD(renameat2); LOAD(unlink); LOAD(unlinkat); LOAD(rmdir);
  LOAD(mkdir); LOAD(mkdirat); LOAD(link); LOAD(linkat);
  const char *r = getenv("PL_ROOT"), *j = getenv("PL_JOURNAL"), *s = getenv("PL_STASH");
  if (!r || !j || !s || !realpath(r, root) || !realpath(s, stash)) return;
  root_len = strlen(root);
  ignore_sync = getenv("PL_IGNORE_SYNC") && strcmp(getenv("PL_IGNORE_SYNC"), "1") == 0;
  jfd = r_open(j, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

// ---------------------------------------------------------------- paths

// `path` (relative to `dirfd`) as an absolute path with its directory resolved; 0 on failure.
static int absolute(int dirfd, const char *path, char *out) {
  char base[PATH_MAX], dir[PATH_MAX], full[PATH_MAX * 2];
  if (!path) return 0;
  if (path[0] == '/') {
    snprintf(full, sizeof full, "%s", path);
  } else {
    if (dirfd == AT_FDCWD) {
      if (!getcwd(base, sizeof base)) return 0;
    } else {
      char link[64];
      snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
      ssize_t n = readlink(link, base, sizeof base - 1);
      if (n <= 0) return 0;
      base[n] = 0;
    }
    snprintf(full, sizeof full, "%s/%s", base, path);
  }
  // Resolve the parent directory (it exists); keep the last component as it is.
  char *slash = strrchr(full, '/');
  const char *name = slash + 1;
  size_t dlen = (size_t)(slash - full);
  char parent[PATH_MAX];
  if (dlen == 0) {
    strcpy(parent, "/");
  } else {
    if (dlen >= sizeof parent) return 0;
    memcpy(parent, full, dlen);
    parent[dlen] = 0;
  }
  if (!realpath(parent, dir)) return 0;
  if (name[0] == 0 || strcmp(name, ".") == 0) {
    snprintf(out, PATH_MAX, "%s", dir);
  } else if (strcmp(name, "..") == 0) {
    return realpath(full, out) != NULL;
  } else {
    snprintf(out, PATH_MAX, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", name);
  }
  return 1;
}

static int under_root(const char *abs) {
  return jfd >= 0 && strncmp(abs, root, root_len) == 0 && (abs[root_len] == '/' || abs[root_len] == 0);
}

// ---------------------------------------------------------------- journal

static void put(char **p, const void *v, size_t n) {
  memcpy(*p, v, n);
  *p += n;
}

static void record(char kind, uint64_t ino, uint64_t a, uint64_t b, const char *path, const char *path2,
                   const void *data, uint64_t dlen) {
  uint32_t l1 = path ? (uint32_t)strlen(path) : 0, l2 = path2 ? (uint32_t)strlen(path2) : 0;
  size_t n = 1 + 8 * 3 + 4 + l1 + 4 + l2 + 8 + dlen;
  char *buf = malloc(n), *p = buf;
  if (!buf) abort();
  put(&p, &kind, 1); put(&p, &ino, 8); put(&p, &a, 8); put(&p, &b, 8);
  put(&p, &l1, 4); if (l1) put(&p, path, l1);
  put(&p, &l2, 4); if (l2) put(&p, path2, l2);
  put(&p, &dlen, 8); if (dlen) put(&p, data, dlen);
  size_t off = 0;
  while (off < n) {
    ssize_t w = r_write(jfd, buf + off, n - off);
    if (w <= 0) abort();  // a journal that lost a record would make the test lie
    off += (size_t)w;
  }
  free(buf);
}

// The old bytes of [off, off + len) of the file behind `fd` (which may be write-only), clipped to
// its size; sets *size to the file size.
static char *old_bytes(int fd, uint64_t off, uint64_t len, uint64_t *size, uint64_t *got, uint64_t *ino) {
  struct stat st;
  *got = 0;
  if (fstat(fd, &st) != 0) abort();
  *size = (uint64_t)st.st_size;
  *ino = (uint64_t)st.st_ino;
  if (off >= *size || len == 0) return NULL;
  uint64_t n = *size - off < len ? *size - off : len;
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  int rfd = r_open(link, O_RDONLY | O_CLOEXEC);
  if (rfd < 0) abort();
  char *buf = malloc(n ? n : 1);
  if (!buf) abort();
  uint64_t done = 0;
  while (done < n) {
    ssize_t r = pread(rfd, buf + done, n - done, (off_t)(off + done));
    if (r <= 0) break;
    done += (uint64_t)r;
  }
  r_close(rfd);
  *got = done;
  return buf;
}

static void note_write(int fd, int64_t off, size_t len) {
  uint64_t size, got, ino;
  if (off < 0) {  // write(): at the file offset, or at the end with O_APPEND
    int fl = fcntl(fd, F_GETFL);
    struct stat st;
    if (fl >= 0 && (fl & O_APPEND) && fstat(fd, &st) == 0) off = st.st_size;
    else off = lseek(fd, 0, SEEK_CUR);
    if (off < 0) off = 0;
  }
  char *old = old_bytes(fd, (uint64_t)off, len, &size, &got, &ino);
  record('W', ino, (uint64_t)off, size, paths[fd], NULL, old, got);
  free(old);
}

static void note_truncate(int fd, int64_t len) {
  uint64_t size, got, ino;
  struct stat st;
  if (fstat(fd, &st) != 0) abort();
  uint64_t cur = (uint64_t)st.st_size;
  char *old = (uint64_t)len < cur ? old_bytes(fd, (uint64_t)len, cur - (uint64_t)len, &size, &got, &ino)
                                  : (size = cur, got = 0, ino = (uint64_t)st.st_ino, NULL);
  record('T', ino, (uint64_t)len, size, paths[fd], NULL, old, got);
  free(old);
}

// A hard link of `abs` in the stash (the file a rename replaces or an unlink removes), or "".
static void keep(const char *abs, char *out) {
  out[0] = 0;
  struct stat st;
  if (lstat(abs, &st) != 0 || !S_ISREG(st.st_mode)) return;
  snprintf(out, PATH_MAX, "%s/%d-%lu", stash, (int)getpid(), ++stash_seq);
  if (r_link(abs, out) != 0) out[0] = 0;
}

static int tracked(int fd) { return fd >= 0 && fd < MAXFD && paths[fd] != NULL; }

// ---------------------------------------------------------------- open / close

static int do_open(int dirfd, const char *path, int flags, mode_t mode, int at, int is64) {
  char abs[PATH_MAX];
  int track = absolute(dirfd, path, abs) && under_root(abs);
  if (!track) {
    if (at) return is64 ? r_openat64(dirfd, path, flags, mode) : r_openat(dirfd, path, flags, mode);
    return is64 ? r_open64(path, flags, mode) : r_open(path, flags, mode);
  }
  pthread_mutex_lock(&mu);
  struct stat st;
  int existed = stat(abs, &st) == 0;
  if (existed && (flags & O_TRUNC) && S_ISREG(st.st_mode) && (flags & O_ACCMODE) != O_RDONLY && st.st_size > 0) {
    int rfd = r_open(abs, O_RDONLY | O_CLOEXEC);
    if (rfd >= 0) {
      paths[rfd] = abs;
      note_truncate(rfd, 0);
      paths[rfd] = NULL;
      r_close(rfd);
    }
  }
  int fd = at ? (is64 ? r_openat64(dirfd, path, flags, mode) : r_openat(dirfd, path, flags, mode))
              : (is64 ? r_open64(path, flags, mode) : r_open(path, flags, mode));
  int saved = errno;
  if (fd >= 0) {
    if (!existed && fstat(fd, &st) == 0) record('C', (uint64_t)st.st_ino, S_ISDIR(st.st_mode), 0, abs, NULL, NULL, 0);
    if (fd < MAXFD) {
      free(paths[fd]);
      paths[fd] = strdup(abs);
    }
  }
  pthread_mutex_unlock(&mu);
  errno = saved;
  return fd;
}

#define MODE_ARG                                    \
  mode_t mode = 0;                                  \
  if (flags & (O_CREAT | __O_TMPFILE)) {            \
    va_list ap;                                     \
    va_start(ap, flags);                            \
    mode = (mode_t)va_arg(ap, int);                 \
    va_end(ap);                                     \
  }

int open(const char *path, int flags, ...) { MODE_ARG return do_open(AT_FDCWD, path, flags, mode, 0, 0); }
int open64(const char *path, int flags, ...) { MODE_ARG return do_open(AT_FDCWD, path, flags, mode, 0, 1); }
int openat(int d, const char *path, int flags, ...) { MODE_ARG return do_open(d, path, flags, mode, 1, 0); }
int openat64(int d, const char *path, int flags, ...) { MODE_ARG return do_open(d, path, flags, mode, 1, 1); }
int __open_2(const char *path, int flags) { return do_open(AT_FDCWD, path, flags, 0, 0, 0); }
int __open64_2(const char *path, int flags) { return do_open(AT_FDCWD, path, flags, 0, 0, 1); }
int creat(const char *path, mode_t mode) { return do_open(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode, 0, 0); }
int creat64(const char *path, mode_t mode) { return do_open(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode, 0, 1); }

int close(int fd) {
  if (tracked(fd)) {
    pthread_mutex_lock(&mu);
    free(paths[fd]);
    paths[fd] = NULL;
    int r = r_close(fd);
    pthread_mutex_unlock(&mu);
    return r;
  }
  return r_close(fd);
}

// ---------------------------------------------------------------- data

#define DATA_CALL(note, call)          \
  if (!tracked(fd)) return call;       \
  pthread_mutex_lock(&mu);             \
  note;                                \
  __typeof__(call) r = call;           \
  int saved = errno;                   \
  pthread_mutex_unlock(&mu);           \
  errno = saved;                       \
  return r;

static size_t iov_len(const struct iovec *iov, int n) {
  size_t t = 0;
  for (int i = 0; i < n; i++) t += iov[i].iov_len;
  return t;
}

ssize_t write(int fd, const void *b, size_t n) { DATA_CALL(note_write(fd, -1, n), r_write(fd, b, n)) }
ssize_t pwrite(int fd, const void *b, size_t n, off_t o) { DATA_CALL(note_write(fd, o, n), r_pwrite(fd, b, n, o)) }
ssize_t pwrite64(int fd, const void *b, size_t n, off64_t o) { DATA_CALL(note_write(fd, o, n), r_pwrite64(fd, b, n, o)) }
ssize_t writev(int fd, const struct iovec *v, int c) { DATA_CALL(note_write(fd, -1, iov_len(v, c)), r_writev(fd, v, c)) }
ssize_t pwritev(int fd, const struct iovec *v, int c, off_t o) { DATA_CALL(note_write(fd, o, iov_len(v, c)), r_pwritev(fd, v, c, o)) }
ssize_t pwritev64(int fd, const struct iovec *v, int c, off64_t o) { DATA_CALL(note_write(fd, o, iov_len(v, c)), r_pwritev64(fd, v, c, o)) }
int ftruncate(int fd, off_t len) { DATA_CALL(note_truncate(fd, len), r_ftruncate(fd, len)) }
int ftruncate64(int fd, off64_t len) { DATA_CALL(note_truncate(fd, len), r_ftruncate64(fd, len)) }

static void note_sync(int fd) {
  struct stat st;
  if (ignore_sync || fstat(fd, &st) != 0) return;
  if (S_ISDIR(st.st_mode)) record('D', (uint64_t)st.st_ino, 0, 0, paths[fd], NULL, NULL, 0);
  else record('S', (uint64_t)st.st_ino, 0, 0, paths[fd], NULL, NULL, 0);
}

// The sync is journalled after it returned: a process killed inside fsync made nothing durable.
int fsync(int fd) {
  int r = r_fsync(fd);
  if (r == 0 && tracked(fd)) {
    int saved = errno;
    pthread_mutex_lock(&mu);
    note_sync(fd);
    pthread_mutex_unlock(&mu);
    errno = saved;
  }
  return r;
}

int fdatasync(int fd) {
  int r = r_fdatasync(fd);
  if (r == 0 && tracked(fd)) {
    int saved = errno;
    pthread_mutex_lock(&mu);
    note_sync(fd);
    pthread_mutex_unlock(&mu);
    errno = saved;
  }
  return r;
}

// ---------------------------------------------------------------- names

static int do_rename(int od, const char *o, int nd, const char *n, unsigned flags, int kind) {
  char ao[PATH_MAX], an[PATH_MAX], kept[PATH_MAX];
  int track = absolute(od, o, ao) && absolute(nd, n, an) && (under_root(ao) || under_root(an));
  if (track) {
    pthread_mutex_lock(&mu);
    struct stat st;
    uint64_t ino = lstat(ao, &st) == 0 ? (uint64_t)st.st_ino : 0;
    keep(an, kept);
    record('R', ino, kept[0] != 0, 0, ao, an, kept, strlen(kept));
  }
  int r = kind == 0 ? r_rename(o, n) : kind == 1 ? r_renameat(od, o, nd, n) : r_renameat2(od, o, nd, n, flags);
  if (track) {
    int saved = errno;
    pthread_mutex_unlock(&mu);
    errno = saved;
  }
  return r;
}

int rename(const char *o, const char *n) { return do_rename(AT_FDCWD, o, AT_FDCWD, n, 0, 0); }
int renameat(int od, const char *o, int nd, const char *n) { return do_rename(od, o, nd, n, 0, 1); }
int renameat2(int od, const char *o, int nd, const char *n, unsigned f) { return do_rename(od, o, nd, n, f, 2); }

static int do_unlink(int d, const char *p, int flags, int kind) {
  char abs[PATH_MAX], kept[PATH_MAX];
  int track = absolute(d, p, abs) && under_root(abs);
  if (track) {
    pthread_mutex_lock(&mu);
    int is_dir = kind == 2 || (flags & AT_REMOVEDIR);
    if (!is_dir) keep(abs, kept); else kept[0] = 0;
    record('U', 0, (uint64_t)is_dir, 0, abs, NULL, kept, strlen(kept));
  }
  int r = kind == 0 ? r_unlink(p) : kind == 1 ? r_unlinkat(d, p, flags) : r_rmdir(p);
  if (track) {
    int saved = errno;
    pthread_mutex_unlock(&mu);
    errno = saved;
  }
  return r;
}

int unlink(const char *p) { return do_unlink(AT_FDCWD, p, 0, 0); }
int unlinkat(int d, const char *p, int f) { return do_unlink(d, p, f, 1); }
int rmdir(const char *p) { return do_unlink(AT_FDCWD, p, 0, 2); }

// A new name (a directory or a hard link): journalled once it exists.
static void note_created(const char *abs) {
  struct stat st;
  if (lstat(abs, &st) == 0) record('C', (uint64_t)st.st_ino, S_ISDIR(st.st_mode), 0, abs, NULL, NULL, 0);
}

#define NAME_CALL(d, p, call)                                    \
  char abs[PATH_MAX];                                            \
  int track = absolute(d, p, abs) && under_root(abs);            \
  if (!track) return call;                                       \
  pthread_mutex_lock(&mu);                                       \
  int r = call;                                                  \
  int saved = errno;                                             \
  if (r == 0) note_created(abs);                                 \
  pthread_mutex_unlock(&mu);                                     \
  errno = saved;                                                 \
  return r;

int mkdir(const char *p, mode_t m) { NAME_CALL(AT_FDCWD, p, r_mkdir(p, m)) }
int mkdirat(int d, const char *p, mode_t m) { NAME_CALL(d, p, r_mkdirat(d, p, m)) }
int link(const char *o, const char *n) { NAME_CALL(AT_FDCWD, n, r_link(o, n)) }
int linkat(int od, const char *o, int nd, const char *n, int f) { NAME_CALL(nd, n, r_linkat(od, o, nd, n, f)) }
