/*
 * channel.h - three ways for one process to send messages to another, behind
 * one interface, for the messages demo and the benchmark of exercise 05:
 *
 *   pipe   pipe(2): the kernel copies each message in and out of its buffer
 *   mq     a POSIX message queue (mq_open): the kernel keeps whole messages
 *   ring   a ring of slots in shared memory (shm_open + mmap) with two
 *          process-shared semaphores (free slots, full slots): the sender
 *          copies in, the receiver copies out; no system call when neither
 *          side has to wait (a side that must wait spins up to 50 us
 *          before it sleeps: a wake-up costs about that much)
 *
 * Named objects (the queue, the shared-memory segment) are unlinked as soon
 * as they are open, with SIGINT and SIGTERM held back meanwhile, so nothing is
 * left in /dev/mqueue or /dev/shm however the program ends: the open
 * descriptors and the mapping live on in both processes until they exit.
 *
 * A receiver never waits for a dead sender: every channel has a "life" pipe
 * whose write end only the sender holds; when the sender dies its end closes,
 * and a receiver waiting on a queue or the ring looks at it every 50 ms.
 */
#ifndef IPC_CHANNEL_H
#define IPC_CHANNEL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kit.h"

typedef enum ch_kind { CH_PIPE, CH_MQ, CH_RING, CH_NKINDS } ch_kind;

extern const char *const ch_names[CH_NKINDS];	/* "pipe", "mq", "ring" */

typedef struct channel channel;

/* Opens a channel of KIND for messages of up to MAX_MSG bytes (larger ones
 * are sent in pieces). NULL with WHY saying why (e.g. no message queues in
 * this container). Fork after this; then each side calls ch_side. */
channel *ch_open(ch_kind kind, size_t max_msg, kit_buf *why);

/* After fork: SENDER true in the process that sends; closes the other ends. */
void ch_side(channel *c, bool sender);

/* Sends LEN bytes. 0, or -1 when the receiver is gone or on error. */
int ch_send(channel *c, const void *buf, size_t len);

/* Receives exactly LEN bytes into BUF. 0; -1 when the sender died or closed
 * before all arrived (WHY says so; never waits forever on a dead sender). */
int ch_recv(channel *c, void *buf, size_t len, kit_buf *why);

/* Closes what is left and unmaps; NULL is allowed. */
void ch_close(channel *c);

/* One stream: a child sends COUNT messages of SIZE (>= 8) bytes, the first 8
 * its sequence number; this process receives and checks each one. With
 * DIE_AFTER > 0 the child kills itself (SIGKILL) after that many messages: a
 * fault, to show that the receiver notices. 0 when it ran (OUT says whether
 * all arrived), -1 when the channel could not be opened (OUT->why). */
typedef struct ch_stream {
	double seconds;		/* messages 2..COUNT (the first pays for start-up and
				 * first touches), scaled to COUNT messages */
	uint64_t received;	/* whole messages received in order */
	bool ok;		/* all COUNT arrived, in order */
	char why[256];		/* when not ok */
} ch_stream;
int ch_stream_run(ch_kind kind, size_t size, uint64_t count, uint64_t die_after,
		  ch_stream *out);

/* Latency: ROUNDS round trips of 8-byte messages (ping and echo, one channel
 * each way). Seconds per one-way trip, or -1 with WHY. */
double ch_latency(ch_kind kind, int rounds, kit_buf *why);

/* Seconds per memcpy of SIZE bytes, copied COUNT times between two buffers,
 * the fastest of 3 rounds: the limit a channel that copies the data can
 * approach. */
double ch_memcpy_time(size_t size, uint64_t count);

#endif
