#include "vt.h"
int vt_bench(struct vt_env *e) { return vt_fail("todo"); }
