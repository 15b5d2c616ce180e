// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_ccw_test: the nested QEMU of the real-client boot. Starts Debian's
 * qemu-system-s390x (packed into the initramfs by run.py) with
 * -device vfio-ccw on our mdev and the nested guest (/nested.elf), reads
 * its console (stdout) and its messages (stderr), and talks QMP to it
 * through a pair of FIFOs. The guest's check lines are relayed as ours,
 * named real-client-NAME.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vt.h"

#define NQ_BINARY	"/usr/bin/qemu-system-s390x"
#define NQ_GUEST	"/nested.elf"
#define NQ_QMP		"/run/nested-qmp"	/* .in and .out FIFOs */
#define NQ_DEVICE_ID	"hostdev0"

static int make_fifo(const char *path)
{
	unlink(path);
	if (mkfifo(path, 0600))
		return vt_fail("mkfifo %s: %m", path);
	return 0;
}

/*
 * QEMU's command line: 32 MiB, one CPU, the console, QMP, our mdev; the
 * nested guest's: "MODE DEVNO [LPUM]" (tests/qemu/nested/ng_main.c)
 */
static void nq_exec(const char *uuid, const char *mode, int lpum)
{
	char sysfsdev[128], devno[32], append[64];
	char *const env[] = { "LD_LIBRARY_PATH=/lib/s390x-linux-gnu", NULL };

	snprintf(sysfsdev, sizeof(sysfsdev),
		 "vfio-ccw,id=" NQ_DEVICE_ID
		 ",sysfsdev=/sys/bus/mdev/devices/%s,devno=fe.0.%04x",
		 uuid, VT_NESTED_DEVNO);
	snprintf(devno, sizeof(devno), "%04x", VT_NESTED_DEVNO);
	if (lpum >= 0)
		snprintf(append, sizeof(append), "%s %s %02x", mode, devno,
			 lpum);
	else
		snprintf(append, sizeof(append), "%s %s", mode, devno);
	execle(NQ_BINARY, NQ_BINARY, "-M", "s390-ccw-virtio", "-m", "32",
	       "-smp", "1", "-nodefaults", "-no-user-config", "-display",
	       "none", "-accel", "tcg,tb-size=32",
	       "-chardev", "stdio,id=con,signal=off",
	       "-device", "sclpconsole,chardev=con",
	       "-chardev", "pipe,id=qmp,path=" NQ_QMP,
	       "-mon", "chardev=qmp,mode=control",
	       "-device", sysfsdev, "-kernel", NQ_GUEST, "-append", append,
	       (char *)NULL, env);
	dprintf(2, "exec " NQ_BINARY ": %m\n");
	_exit(127);
}

/*
 * QEMU running with the nested guest in @mode ("io", "remove"), which is
 * told the host's last-path-used mask @lpum to expect (-1: none)
 */
int vt_nq_start(struct vt_nq *nq, const char *uuid, const char *mode,
		int lpum)
{
	int out[2], err[2];

	memset(nq, 0, sizeof(*nq));
	nq->pid = -1;
	mkdir("/run", 0755);
	if (make_fifo(NQ_QMP ".in") || make_fifo(NQ_QMP ".out"))
		return -1;
	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		return vt_fail("pipe: %m");
	nq->pid = fork();
	if (nq->pid < 0)
		return vt_fail("fork: %m");
	if (nq->pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		nq_exec(uuid, mode, lpum);
	}
	close(out[1]);
	close(err[1]);
	nq->fd[VT_NQ_CONSOLE] = out[0];
	nq->fd[VT_NQ_STDERR] = err[0];
	/* read-write: neither open waits for QEMU to open its end */
	nq->fd[VT_NQ_QMP] = open(NQ_QMP ".out", O_RDWR | O_CLOEXEC);
	nq->qmp_in = open(NQ_QMP ".in", O_RDWR | O_CLOEXEC);
	if (nq->fd[VT_NQ_QMP] < 0 || nq->qmp_in < 0) {
		vt_fail("open " NQ_QMP ".{in,out}: %m");
		kill(nq->pid, SIGKILL);		/* it would hold the mdev */
		waitpid(nq->pid, NULL, 0);
		return -1;
	}
	nq->t0 = vt_now();
	return 0;
}

/*
 * Checks of the nested guest that must reach the host's FSM through a
 * cell of their own: its halt and clear of a start in flight come through
 * QEMU's vfio-ccw as writes of our async region, BUSY x ASYNC_REQ. An
 * "ok" of one whose cell the FSM tracepoint (vt_cells.c) did not see
 * dispatched since the last such check is turned into a failure.
 */
static const struct {
	const char *check, *from, *event;
} vt_nq_host_cells[] = {
	{ "hsch", "BUSY", "ASYNC_REQ" },
	{ "csch", "BUSY", "ASYNC_REQ" },
};

/* "" if @check's cell ran on the host since the last look, else why */
static const char *host_cell_missing(const char *check, size_t len)
{
	static unsigned long seen[ARRAY_SIZE(vt_nq_host_cells)];
	static char why[96];
	unsigned long now = 0;
	double end = vt_now() + 2;	/* the drain thread may lag */
	size_t i;

	if (vt_stock)
		return "";		/* no FSM tracepoint */
	for (i = 0; i < ARRAY_SIZE(vt_nq_host_cells); i++) {
		const char *from = vt_nq_host_cells[i].from;
		const char *event = vt_nq_host_cells[i].event;

		if (strlen(vt_nq_host_cells[i].check) != len ||
		    strncmp(vt_nq_host_cells[i].check, check, len))
			continue;
		do {
			now = vt_cells_count_of(from, event);
			if (now > seen[i])
				break;
			vt_msleep(20);
		} while (vt_now() < end);
		if (now <= seen[i]) {
			snprintf(why, sizeof(why),
				 "the host's FSM tracepoint shows no %s x %s",
				 from, event);
			return why;
		}
		/* the next such check needs a dispatch of its own */
		for (i = 0; i < ARRAY_SIZE(vt_nq_host_cells); i++)
			if (!strcmp(vt_nq_host_cells[i].from, from) &&
			    !strcmp(vt_nq_host_cells[i].event, event))
				seen[i] = now;
		return "";
	}
	return "";
}

/* A console line of the nested guest: relay, count, or note */
static void console_line(struct vt_nq *nq, char *line)
{
	char name[96];
	int passed, failed;
	char *rest;

	if (!strncmp(line, "ok ", 3) || !strncmp(line, "FAIL ", 5)) {
		bool ok = line[0] == 'o';
		const char *missing;
		size_t len;

		rest = line + (ok ? 3 : 5);
		len = strcspn(rest, " :");
		snprintf(name, sizeof(name), "real-client-%.*s", (int)len,
			 rest);
		missing = ok ? host_cell_missing(rest, len) : "";
		rest += len;
		if (missing[0]) {
			ok = false;
			rest = (char *)missing;
		}
		if (ok && !strncmp(rest, " (", 2)) {	/* "ok NAME (detail)" */
			rest += 2;
			if (*rest && rest[strlen(rest) - 1] == ')')
				rest[strlen(rest) - 1] = '\0';
		} else {
			rest += strspn(rest, ": ");
		}
		vt_result(name, ok, rest);
		nq->passed += ok;
		nq->failed += !ok;
	} else if (sscanf(line, "%d passed, %d failed", &passed,
			  &failed) == 2) {
		nq->summary = true;
		nq->sum_passed = passed;
		nq->sum_failed = failed;
	} else if (!strcmp(line, "vt: unplug")) {
		nq->unplug_asked = true;
	} else if (!strncmp(line, "# ", 2)) {
		vt_info("nested: %s", line + 2);
	} else if (line[0]) {
		vt_info("nested console: %s", line);
	}
}

static void qmp_line(struct vt_nq *nq, char *line)
{
	if (strstr(line, "\"event\"")) {
		if (strstr(line, "DEVICE_DELETED"))
			nq->device_deleted = true;
		return;
	}
	if (strstr(line, "\"QMP\""))
		return;				/* the greeting */
	snprintf(nq->reply, sizeof(nq->reply), "%s", line);
	nq->replies++;
}

static void dispatch(struct vt_nq *nq, int which, char *line)
{
	line[strcspn(line, "\r")] = '\0';
	if (which == VT_NQ_CONSOLE)
		console_line(nq, line);
	else if (which == VT_NQ_QMP)
		qmp_line(nq, line);
	else if (line[0] && nq->nr_msgs++ < 20)
		vt_info("nested qemu: %s", line);
}

/* Read what is there on fd @which, hand on each whole line */
static void drain(struct vt_nq *nq, int which)
{
	struct vt_nq_buf *b = &nq->buf[which];
	char *nl;
	ssize_t n;

	n = read(nq->fd[which], b->data + b->len, sizeof(b->data) - 1 - b->len);
	if (n <= 0) {
		if (which != VT_NQ_QMP) {	/* QEMU is gone */
			close(nq->fd[which]);
			nq->fd[which] = -1;
		}
		if (b->len) {
			b->data[b->len] = '\0';
			dispatch(nq, which, b->data);
			b->len = 0;
		}
		return;
	}
	b->len += n;
	b->data[b->len] = '\0';
	while ((nl = strchr(b->data, '\n'))) {
		*nl = '\0';
		dispatch(nq, which, b->data);
		b->len -= nl + 1 - b->data;
		memmove(b->data, nl + 1, b->len + 1);
	}
	if (b->len == sizeof(b->data) - 1) {	/* a line too long: cut */
		dispatch(nq, which, b->data);
		b->len = 0;
	}
}

/*
 * Wait up to @ms for output of QEMU and handle it; false once QEMU has
 * closed its console and stderr (it exited).
 */
bool vt_nq_poll(struct vt_nq *nq, int ms)
{
	struct pollfd pfd[VT_NQ_FDS];
	int i;

	for (i = 0; i < VT_NQ_FDS; i++) {
		pfd[i].fd = nq->fd[i];
		pfd[i].events = POLLIN;
	}
	if (nq->fd[VT_NQ_CONSOLE] < 0 && nq->fd[VT_NQ_STDERR] < 0)
		return false;
	if (poll(pfd, VT_NQ_FDS, ms) > 0)
		for (i = 0; i < VT_NQ_FDS; i++)
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				drain(nq, i);
	return true;
}

/*
 * A QMP command (JSON text), its reply in nq->reply: 0 for a "return",
 * -1 with why for an error or no reply within @ms. The capabilities
 * handshake is done the first time.
 */
int vt_nq_qmp(struct vt_nq *nq, const char *cmd, int ms)
{
	double end = vt_now() + ms / 1000.0;
	int seen;

	if (!nq->qmp_ready) {
		nq->qmp_ready = true;
		if (vt_nq_qmp(nq, "{\"execute\": \"qmp_capabilities\"}", ms))
			return vt_at("qmp_capabilities");
	}
	seen = nq->replies;
	if (dprintf(nq->qmp_in, "%s\n", cmd) < 0)
		return vt_fail("write to QMP: %m");
	while (nq->replies == seen) {
		if (vt_now() > end || !vt_nq_poll(nq, 100))
			return vt_fail("no QMP reply to %s", cmd);
	}
	if (!strstr(nq->reply, "\"return\""))
		return vt_fail("QMP %s: %.200s", cmd, nq->reply);
	return 0;
}

int vt_nq_device_del(struct vt_nq *nq)
{
	return vt_nq_qmp(nq, "{\"execute\": \"device_del\", \"arguments\": "
			 "{\"id\": \"" NQ_DEVICE_ID "\"}}", 10000);
}

/*
 * Wait for QEMU to exit, for what is left of @limit_s seconds since its
 * start, handling its output; killed after that. 0 if it exited with
 * status 0 and its guest's closing count matched the lines relayed.
 */
int vt_nq_finish(struct vt_nq *nq, double limit_s)
{
	int status = 0;
	bool killed = false;

	while (vt_nq_poll(nq, 200)) {
		if (vt_now() - nq->t0 > limit_s && !killed) {
			vt_info("nested qemu still running after %.0f s: killed",
				limit_s);
			kill(nq->pid, SIGKILL);
			killed = true;
		}
	}
	if (nq->pid > 0 && waitpid(nq->pid, &status, 0) < 0)
		return vt_fail("waitpid: %m");
	close(nq->fd[VT_NQ_QMP]);
	close(nq->qmp_in);
	nq->pid = -1;
	if (killed)
		return vt_fail("did not end within %.0f s", limit_s);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return vt_fail("qemu ended with status %#x", status);
	if (!nq->summary)
		return vt_fail("no closing count from the nested guest");
	if (nq->sum_passed != nq->passed || nq->sum_failed != nq->failed)
		return vt_fail("nested count %d/%d, lines %d/%d",
			       nq->sum_passed, nq->sum_failed, nq->passed,
			       nq->failed);
	return 0;
}
