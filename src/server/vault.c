/*
 * The key store: one random key per customer, kept outside PostgreSQL, so
 * that an erasure can destroy it. Every personal value the server keeps
 * (customer fields, contact notes and answers, case reasons and results,
 * event notes, parked runs) is sealed under its customer's key before it
 * reaches the database; PostgreSQL's files, its write-ahead log and every
 * backup of them hold only ciphertext. Overwriting the key at erasure makes
 * every copy unreadable at once, which no rewrite of rows can do: old row
 * versions, WAL segments and base backups are out of reach.
 *
 * The file: a 64-byte header, then 64-byte entries, appended and never
 * moved: the customer id (16 bytes), a state byte (live or shredded), 15
 * reserved bytes, the key (32 bytes). Shredding overwrites the entry in
 * place (state shredded, key zeros) and syncs, so the key's blocks on disk
 * hold zeros: this needs a file system that overwrites in place (ext4, xfs;
 * not a copy-on-write one such as btrfs or zfs, nor a snapshotted volume).
 * Entries are aligned to 64 bytes, so no entry straddles a disk sector.
 *
 * One server process and any number of frontdeskd commands share the file:
 * appends and shreds hold an exclusive flock, and each process indexes the
 * entries others appended when it misses. Keys are read from the file each
 * time (the page cache makes that cheap) and wiped after use, so a shred by
 * another process is seen at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "server_int.h"

#define HEADER_SIZE 64
#define ENTRY_SIZE 64
#define KEY_AT 32
#define STATE_LIVE 1
#define STATE_SHREDDED 2
static const char magic[16] = "frontdesk keys\n";

struct vault {
	int fd;
	pthread_mutex_t mu;
	off_t indexed;		/* the file's bytes read into the index */
	uint32_t *slot;		/* open addressing: entry number + 1; 0 empty */
	size_t cap;		/* slots (a power of two) */
	unsigned char (*ids)[16]; /* entry number -> customer id */
	size_t n, nids;		/* entries indexed; room in ids */
	bool dirty;		/* appended since the last sync */
	unsigned char hash_key[crypto_shorthash_KEYBYTES];
	char *path;
};

/* A customer id as its 16 bytes; false when it is not a UUID. */
static bool id_bytes(const char *id, unsigned char out[16])
{
	size_t got = 0;

	if (!id || !uuid_valid(id))
		return false;
	for (const char *p = id; *p && got < 32; p++) {
		int v;

		if (*p == '-')
			continue;
		v = *p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10;
		if (got % 2 == 0)
			out[got / 2] = (unsigned char)(v << 4);
		else
			out[got / 2] |= (unsigned char)v;
		got++;
	}
	return got == 32;
}

static size_t slot_of(const struct vault *v, const unsigned char id[16])
{
	unsigned char h[crypto_shorthash_BYTES];
	uint64_t x;

	crypto_shorthash(h, id, 16, v->hash_key);
	memcpy(&x, h, sizeof x);
	return (size_t)x & (v->cap - 1);
}

/* The entry number of id, or -1. */
static long find(const struct vault *v, const unsigned char id[16])
{
	for (size_t i = slot_of(v, id);; i = (i + 1) & (v->cap - 1)) {
		uint32_t s = v->slot[i];

		if (!s)
			return -1;
		if (!memcmp(v->ids[s - 1], id, 16))
			return (long)(s - 1);
	}
}

static void grow(struct vault *v)
{
	uint32_t *old = v->slot;
	size_t oldcap = v->cap;

	v->cap = oldcap ? oldcap * 2 : 1024;
	v->slot = xcalloc(v->cap, sizeof *v->slot);
	for (size_t i = 0; i < oldcap; i++)
		if (old[i]) {
			size_t j = slot_of(v, v->ids[old[i] - 1]);

			while (v->slot[j])
				j = (j + 1) & (v->cap - 1);
			v->slot[j] = old[i];
		}
	free(old);
}

/* Indexes entry number `at` (the first entry of an id wins). */
static void add(struct vault *v, const unsigned char id[16], size_t at)
{
	size_t j;

	if ((v->n + 1) * 2 > v->cap)
		grow(v);
	if (find(v, id) >= 0)
		return;
	if (at >= v->nids) {
		v->nids = at * 2 + 1024;
		v->ids = xrealloc(v->ids, v->nids * sizeof *v->ids);
	}
	memcpy(v->ids[at], id, 16);
	j = slot_of(v, id);
	while (v->slot[j])
		j = (j + 1) & (v->cap - 1);
	v->slot[j] = (uint32_t)at + 1;
	v->n++;
}

static off_t entry_off(size_t at)
{
	return HEADER_SIZE + (off_t)at * ENTRY_SIZE;
}

/* The first entry number at or past the file's end. */
static size_t entries_in(off_t size)
{
	return size <= HEADER_SIZE ? 0 : (size_t)((size - HEADER_SIZE + ENTRY_SIZE - 1) / ENTRY_SIZE);
}

static enum status io_error(const struct vault *v, const char *what, struct err *e)
{
	return err_set(e, STATUS_IO, "%s the key store %s: %s", what, v->path, strerror(errno));
}

/* Indexes the entries appended since the last look (by any process). A
 * torn last entry (a crash while appending, before the database saw its
 * key) has no valid state and is passed over. */
static enum status load_tail(struct vault *v, struct err *e)
{
	unsigned char chunk[ENTRY_SIZE * 256];
	struct stat st;
	size_t at;

	if (fstat(v->fd, &st))
		return io_error(v, "reading", e);
	at = entries_in(v->indexed);
	while (entry_off(at) + ENTRY_SIZE <= st.st_size) {
		size_t want = (size_t)(st.st_size - entry_off(at)) / ENTRY_SIZE;
		ssize_t got;

		if (want > sizeof chunk / ENTRY_SIZE)
			want = sizeof chunk / ENTRY_SIZE;
		got = pread(v->fd, chunk, want * ENTRY_SIZE, entry_off(at));
		if (got < 0)
			return io_error(v, "reading", e);
		if (got < ENTRY_SIZE)
			break;
		for (size_t i = 0; i < (size_t)got / ENTRY_SIZE; i++, at++) {
			const unsigned char *en = chunk + i * ENTRY_SIZE;

			if (en[16] == STATE_LIVE || en[16] == STATE_SHREDDED)
				add(v, en, at);
		}
	}
	v->indexed = entry_off(at);
	return STATUS_OK;
}

/* Makes the directory entry of a new file durable. */
static void sync_dir(const char *path)
{
	char *copy = xstrdup(path);
	int d = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (d >= 0) {
		fsync(d);
		close(d);
	}
	free(copy);
}

struct vault *vault_open(const char *path, struct err *e)
{
	struct vault *v;
	unsigned char head[HEADER_SIZE];
	struct stat st;
	int fd;

	if (sodium_init() < 0) {
		err_set(e, STATUS_IO, "cannot start libsodium");
		return NULL;
	}
	if (!path || !*path) {
		err_set(e, STATUS_INVALID,
			"no key store given; use --keys PATH or set FRONTDESKD_KEYS (see frontdeskd(8), "
			"\"Keys\")");
		return NULL;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		err_set(e, STATUS_IO, "cannot open the key store %s: %s", path, strerror(errno));
		return NULL;
	}
	v = xcalloc(1, sizeof *v);
	v->fd = fd;
	v->path = xstrdup(path);
	pthread_mutex_init(&v->mu, NULL);
	randombytes_buf(v->hash_key, sizeof v->hash_key);
	grow(v);
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		err_set(e, STATUS_IO, "the key store %s is not a regular file", path);
		goto fail;
	}
	/* Only this account may read the keys. */
	if ((st.st_mode & 077) && fchmod(fd, 0600)) {
		io_error(v, "making private", e);
		goto fail;
	}
	if (flock(fd, LOCK_EX)) {
		io_error(v, "locking", e);
		goto fail;
	}
	if (fstat(fd, &st) == 0 && st.st_size == 0) {
		memset(head, 0, sizeof head);
		memcpy(head, magic, sizeof magic);
		if (pwrite(fd, head, sizeof head, 0) != (ssize_t)sizeof head || fdatasync(fd)) {
			io_error(v, "writing", e);
			flock(fd, LOCK_UN);
			goto fail;
		}
		sync_dir(path);
	}
	flock(fd, LOCK_UN);
	if (pread(fd, head, sizeof head, 0) != (ssize_t)sizeof head ||
	    memcmp(head, magic, sizeof magic)) {
		err_set(e, STATUS_INVALID,
			"%s is not a frontdeskd key store (its first bytes are wrong); check --keys",
			path);
		goto fail;
	}
	v->indexed = HEADER_SIZE;
	if (load_tail(v, e))
		goto fail;
	return v;
fail:
	vault_close(v);
	return NULL;
}

void vault_close(struct vault *v)
{
	if (!v)
		return;
	close(v->fd);
	pthread_mutex_destroy(&v->mu);
	free(v->slot);
	free(v->ids);
	free(v->path);
	free(v);
}

/* Reads entry `at`; its state, and its key when live. */
static enum status read_entry(struct vault *v, size_t at, unsigned char key[VAULT_KEY_BYTES],
			      enum vault_state *state, struct err *e)
{
	unsigned char en[ENTRY_SIZE];

	if (pread(v->fd, en, sizeof en, entry_off(at)) != (ssize_t)sizeof en)
		return io_error(v, "reading", e);
	*state = en[16] == STATE_LIVE ? VAULT_LIVE : VAULT_SHREDDED;
	if (*state == VAULT_LIVE)
		memcpy(key, en + KEY_AT, VAULT_KEY_BYTES);
	sodium_memzero(en, sizeof en);
	return STATUS_OK;
}

/* Appends an entry for id (live with a new key, or shredded) at the
 * file's end; the caller holds mu and the flock. A torn last entry is
 * written over: left in place, it would be completed by this one's bytes
 * and indexed before it (the first entry of an id wins), its partial key
 * found instead of the one made here, and shredded instead of it. */
static enum status append(struct vault *v, const unsigned char id[16], bool live,
			  unsigned char key[VAULT_KEY_BYTES], struct err *e)
{
	unsigned char en[ENTRY_SIZE] = { 0 };
	struct stat st;
	size_t at;

	if (fstat(v->fd, &st))
		return io_error(v, "reading", e);
	at = st.st_size <= HEADER_SIZE ? 0 : (size_t)((st.st_size - HEADER_SIZE) / ENTRY_SIZE);
	memcpy(en, id, 16);
	en[16] = live ? STATE_LIVE : STATE_SHREDDED;
	if (live) {
		randombytes_buf(en + KEY_AT, VAULT_KEY_BYTES);
		memcpy(key, en + KEY_AT, VAULT_KEY_BYTES);
	}
	if (pwrite(v->fd, en, sizeof en, entry_off(at)) != (ssize_t)sizeof en) {
		sodium_memzero(en, sizeof en);
		return io_error(v, "writing", e);
	}
	sodium_memzero(en, sizeof en);
	v->dirty = true;
	return load_tail(v, e);
}

enum status vault_key(struct vault *v, const char *customer, bool create,
		      unsigned char key[VAULT_KEY_BYTES], enum vault_state *state, struct err *e)
{
	unsigned char id[16];
	enum status rc = STATUS_OK;
	long at;

	*state = VAULT_NONE;
	if (!id_bytes(customer, id))
		return err_set(e, STATUS_INVALID, "a customer id for the key store is not a UUID");
	pthread_mutex_lock(&v->mu);
	at = find(v, id);
	if (at < 0) {
		rc = load_tail(v, e);
		at = rc ? -1 : find(v, id);
	}
	if (at < 0 && !rc && create) {
		if (flock(v->fd, LOCK_EX)) {
			rc = io_error(v, "locking", e);
		} else {
			rc = load_tail(v, e);
			at = rc ? -1 : find(v, id);
			if (at < 0 && !rc) {
				rc = append(v, id, true, key, e);
				if (!rc)
					*state = VAULT_LIVE;
			}
			flock(v->fd, LOCK_UN);
		}
	}
	if (at >= 0 && !rc)
		rc = read_entry(v, (size_t)at, key, state, e);
	pthread_mutex_unlock(&v->mu);
	return rc;
}

size_t vault_entries(struct vault *v)
{
	struct err e;
	size_t n;

	pthread_mutex_lock(&v->mu);
	err_clear(&e);
	load_tail(v, &e);
	n = v->n;
	pthread_mutex_unlock(&v->mu);
	return n;
}

const char *vault_path(const struct vault *v)
{
	return v->path;
}

enum status vault_sync(struct vault *v, struct err *e)
{
	bool dirty;

	pthread_mutex_lock(&v->mu);
	dirty = v->dirty;
	v->dirty = false;
	pthread_mutex_unlock(&v->mu);
	if (dirty && fdatasync(v->fd)) {
		pthread_mutex_lock(&v->mu);
		v->dirty = true;
		pthread_mutex_unlock(&v->mu);
		return io_error(v, "syncing", e);
	}
	return STATUS_OK;
}

enum status vault_shred(struct vault *v, const char *customer, bool *was_live, struct err *e)
{
	unsigned char id[16], en[ENTRY_SIZE] = { 0 };
	enum status rc;
	long at;

	if (was_live)
		*was_live = false;
	if (!id_bytes(customer, id))
		return err_set(e, STATUS_INVALID, "a customer id for the key store is not a UUID");
	pthread_mutex_lock(&v->mu);
	if (flock(v->fd, LOCK_EX)) {
		rc = io_error(v, "locking", e);
		goto out;
	}
	rc = load_tail(v, e);
	at = rc ? -1 : find(v, id);
	if (!rc && at < 0) {
		/* Never seen: noted shredded, so no key is ever made for it. */
		rc = append(v, id, false, NULL, e);
	} else if (!rc) {
		unsigned char state;

		if (pread(v->fd, &state, 1, entry_off((size_t)at) + 16) != 1) {
			rc = io_error(v, "reading", e);
		} else if (state != STATE_SHREDDED) {
			memcpy(en, id, 16);
			en[16] = STATE_SHREDDED;
			if (pwrite(v->fd, en, sizeof en, entry_off((size_t)at)) != (ssize_t)sizeof en)
				rc = io_error(v, "writing", e);
			else if (was_live)
				*was_live = true;
			v->dirty = true;
		}
	}
	flock(v->fd, LOCK_UN);
out:
	pthread_mutex_unlock(&v->mu);
	return rc ? rc : vault_sync(v, e);
}

/* ---- sealed values -------------------------------------------------------- */

/* What the tag binds a value to: its customer, so a sealed value moved to
 * another person's record does not open. */
static void aad_of(const char *customer, char out[64])
{
	snprintf(out, 64, "frontdesk sealed 1 %s", customer);
}

char *vault_seal(const unsigned char key[VAULT_KEY_BYTES], const char *customer,
		 const char *plain, size_t len)
{
	size_t clen = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + len +
		      crypto_aead_xchacha20poly1305_ietf_ABYTES;
	unsigned char *c = xmalloc(clen);
	size_t b64len = sodium_base64_ENCODED_LEN(clen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = xmalloc(sizeof VAULT_PREFIX - 1 + b64len);
	unsigned long long got;
	char aad[64];

	aad_of(customer, aad);
	randombytes_buf(c, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(
		c + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &got, (const unsigned char *)plain,
		len, (const unsigned char *)aad, strlen(aad), NULL, c, key);
	memcpy(out, VAULT_PREFIX, sizeof VAULT_PREFIX - 1);
	sodium_bin2base64(out + sizeof VAULT_PREFIX - 1, b64len, c, clen,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	free(c);
	return out;
}

char *vault_unseal(const unsigned char key[VAULT_KEY_BYTES], const char *customer,
		   const char *sealed, size_t *len)
{
	size_t slen, clen;
	unsigned char *c;
	unsigned long long plen;
	char *plain, aad[64];

	if (!sealed || strncmp(sealed, VAULT_PREFIX, sizeof VAULT_PREFIX - 1))
		return NULL;
	sealed += sizeof VAULT_PREFIX - 1;
	slen = strlen(sealed);
	c = xmalloc(slen + 1);
	if (sodium_base642bin(c, slen, sealed, slen, NULL, &clen, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) ||
	    clen < crypto_aead_xchacha20poly1305_ietf_NPUBBYTES +
			   crypto_aead_xchacha20poly1305_ietf_ABYTES) {
		free(c);
		return NULL;
	}
	plain = xmalloc(clen + 1);
	aad_of(customer, aad);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
		    (unsigned char *)plain, &plen, NULL,
		    c + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
		    clen - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, (const unsigned char *)aad,
		    strlen(aad), c, key)) {
		free(c);
		free(plain);
		return NULL;
	}
	free(c);
	plain[plen] = '\0';
	if (len)
		*len = (size_t)plen;
	return plain;
}
