// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_ccw_test: the FSM cells the running module dispatches, over the
 * whole boot. A tracing instance of its own holds the FSM tracepoint, so
 * the scenarios that empty the main buffer do not touch it; a thread
 * drains its trace_pipe and counts "FROM x EVENT" pairs. run.py puts the
 * counts beside the cells the model dispatched (make verify).
 */

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vt.h"

#define CELLS_DIR	"/sys/kernel/tracing/instances/vt_cells"
#define MAX_CELLS	64
#define NAME_LEN	24

static struct {
	char from[NAME_LEN];
	char event[NAME_LEN];
	unsigned long count;
} vt_cells[MAX_CELLS];
static int vt_nr_cells;
static pthread_mutex_t vt_cells_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * One trace line:
 * "... schid=0.0.0000 FROM x EVENT -> TO ret=N state=S event=E"
 */
static void vt_cells_count(const char *line)
{
	char from[NAME_LEN], event[NAME_LEN];
	const char *p = strstr(line, "schid=");
	int i;

	if (!p || sscanf(p, "schid=%*s %23s x %23s ->", from, event) != 2)
		return;
	pthread_mutex_lock(&vt_cells_lock);
	for (i = 0; i < vt_nr_cells; i++)
		if (!strcmp(vt_cells[i].from, from) &&
		    !strcmp(vt_cells[i].event, event))
			break;
	if (i == vt_nr_cells && vt_nr_cells < MAX_CELLS) {
		snprintf(vt_cells[i].from, NAME_LEN, "%s", from);
		snprintf(vt_cells[i].event, NAME_LEN, "%s", event);
		vt_nr_cells++;
	}
	if (i < vt_nr_cells)
		vt_cells[i].count++;
	pthread_mutex_unlock(&vt_cells_lock);
}

static void *vt_cells_drain(void *arg)
{
	FILE *pipe = arg;
	char line[512];

	while (fgets(line, sizeof(line), pipe))
		vt_cells_count(line);
	return NULL;
}

/* After the module is loaded: 0, or -1 if the tracepoint is missing. */
int vt_cells_start(void)
{
	pthread_t thread;
	FILE *pipe;

	if (mkdir(CELLS_DIR, 0755) && !vt_exists(CELLS_DIR))
		return vt_fail("mkdir %s: %m", CELLS_DIR);
	vt_write_file(CELLS_DIR "/buffer_size_kb", "1024");
	if (vt_write_file(CELLS_DIR "/events/vfio_ccw/vfio_ccw_fsm_event/enable", "1"))
		return -1;
	pipe = fopen(CELLS_DIR "/trace_pipe", "re");
	if (!pipe)
		return vt_fail("open %s/trace_pipe: %m", CELLS_DIR);
	if (pthread_create(&thread, NULL, vt_cells_drain, pipe)) {
		fclose(pipe);
		return vt_fail("pthread_create: %m");
	}
	pthread_detach(thread);
	return 0;
}

/*
 * Dispatches of cell @from x @event seen so far; the drain thread may lag
 * behind the tracepoint, so a caller waiting for one polls.
 */
unsigned long vt_cells_count_of(const char *from, const char *event)
{
	unsigned long count = 0;
	int i;

	pthread_mutex_lock(&vt_cells_lock);
	for (i = 0; i < vt_nr_cells; i++)
		if (!strcmp(vt_cells[i].from, from) &&
		    !strcmp(vt_cells[i].event, event))
			count = vt_cells[i].count;
	pthread_mutex_unlock(&vt_cells_lock);
	return count;
}

/* "# cell FROM EVENT COUNT" for each cell seen, once the run is over. */
void vt_cells_report(void)
{
	int i;

	usleep(200 * 1000);	/* the drain thread catches up */
	pthread_mutex_lock(&vt_cells_lock);
	for (i = 0; i < vt_nr_cells; i++)
		printf("# cell %s %s %lu\n", vt_cells[i].from,
		       vt_cells[i].event, vt_cells[i].count);
	pthread_mutex_unlock(&vt_cells_lock);
}
