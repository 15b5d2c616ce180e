/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio-ccw on Linux 6.1: the few 6.12 interfaces kernel/ is written against,
 * mapped onto 6.1's. Not part of the driver: the Kbuild file force-includes
 * it (-include) into our own objects when it builds for 6.1, and nothing
 * else includes it. Upstream's vfio_ccw_cp.c of each tree builds without
 * it. Each mapping is a macro over the 6.1 name, defined after the header
 * that declares it, so the 6.1 declarations stay as they are.
 */
#ifndef _VFIO_CCW_COMPAT_H_
#define _VFIO_CCW_COMPAT_H_

#include <linux/container_of.h>
#include <linux/err.h>
#include <linux/eventfd.h>
#include <linux/lockdep.h>
#include <linux/spinlock.h>
#include <linux/vfio.h>
#include <asm/page.h>

#include "css.h"
#include "vfio_ccw_cp.h"

/* 6.8 dropped the count: every caller of ours adds 1 */
#define eventfd_signal(ctx) eventfd_signal(ctx, 1)

/*
 * struct subchannel's lock is a spinlock_t pointer on 6.1 (embedded
 * later): &sch->lock is then a spinlock_t ** and stands for *&sch->lock. Any
 * other lock passes through. Our code takes sch->lock only with these
 * three.
 */
#define vfio_ccw_compat_lock(l) ({					\
	typeof(l) __lock = (l);						\
	__builtin_choose_expr(__builtin_types_compatible_p(typeof(__lock), \
							   spinlock_t **), \
			      *(spinlock_t **)__lock, __lock);		\
})
#define spin_lock_irq(l) spin_lock_irq(vfio_ccw_compat_lock(l))
#define spin_unlock_irq(l) spin_unlock_irq(vfio_ccw_compat_lock(l))
#ifdef CONFIG_LOCKDEP
#undef lockdep_assert_held
#define lockdep_assert_held(l)						\
	lockdep_assert(lockdep_is_held(vfio_ccw_compat_lock(l)) !=	\
		       LOCK_STATE_NOT_HELD)
#endif

/* 6.1's cp_get_orb() takes the interruption parameter and the path mask */
static inline union orb *vfio_ccw_compat_get_orb(struct channel_program *cp,
						 struct subchannel *sch)
{
	return cp_get_orb(cp, (u32)virt_to_phys(sch), sch->lpm);
}

#define cp_get_orb vfio_ccw_compat_get_orb

/*
 * No iommufd on 6.1 (it came with 6.2), nor its four ops: their
 * initializers land on four members our ops leave NULL, and set them to
 * NULL.
 */
#define vfio_iommufd_emulated_bind NULL
#define vfio_iommufd_emulated_unbind NULL
#define vfio_iommufd_emulated_attach_ioas NULL
#define vfio_iommufd_emulated_detach_ioas NULL
#define bind_iommufd name
#define unbind_iommufd mmap
#define attach_ioas match
#define detach_ioas device_feature

/*
 * 6.1's VFIO core leaves freeing the device to the driver's release op
 * (vfio_free_device()); since 6.2 the core frees it after release. The
 * device is allocated (vfio_alloc_device() calls _vfio_alloc_device())
 * with a copy of the driver's ops behind it, whose release calls the
 * driver's, then frees.
 */
struct vfio_ccw_compat_ops {
	struct vfio_device_ops ops;
	const struct vfio_device_ops *driver_ops;
};

static inline void vfio_ccw_compat_release(struct vfio_device *vdev)
{
	const struct vfio_ccw_compat_ops *compat =
		container_of(vdev->ops, struct vfio_ccw_compat_ops, ops);

	if (compat->driver_ops->release)
		compat->driver_ops->release(vdev);
	vfio_free_device(vdev);
}

static inline struct vfio_device *
vfio_ccw_compat_alloc(size_t size, struct device *dev,
		      const struct vfio_device_ops *ops)
{
	size_t offset = ALIGN(size, __alignof__(struct vfio_ccw_compat_ops));
	struct vfio_ccw_compat_ops *compat;
	struct vfio_device *vdev;

	vdev = _vfio_alloc_device(offset + sizeof(*compat), dev, ops);
	if (IS_ERR(vdev))
		return vdev;
	compat = (void *)vdev + offset;
	compat->ops = *ops;
	compat->ops.release = vfio_ccw_compat_release;
	compat->driver_ops = ops;
	vdev->ops = &compat->ops;
	return vdev;
}

/* what 6.1's vfio_alloc_device() calls */
#define _vfio_alloc_device vfio_ccw_compat_alloc

#endif /* _VFIO_CCW_COMPAT_H_ */
