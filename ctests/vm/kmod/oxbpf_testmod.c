// SPDX-License-Identifier: GPL-2.0
/*
 * oxbpf_testmod: a kernel module that defines its own struct_ops type, for the VM lane
 * (scripts/vm-tests.sh builds it against Debian's headers of the guest kernel).
 *
 * struct oxbpf_testmod_ops has two operators and a data member. One registration at a time;
 * links may be updated. Reading /proc/oxbpf_testmod calls the registered operators and
 * prints "data D test_1 R1 test_2 R2" (test_2 gets (data, 2)), or "none".
 */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

struct oxbpf_testmod_ops {
	int (*test_1)(void);
	int (*test_2)(int a, int b);
	int data;
};

static DEFINE_MUTEX(ox_lock);
static struct oxbpf_testmod_ops *ox_cur;

static int ox_show(struct seq_file *m, void *v)
{
	mutex_lock(&ox_lock);
	if (!ox_cur)
		seq_puts(m, "none\n");
	else
		seq_printf(m, "data %d test_1 %d test_2 %d\n", ox_cur->data,
			   ox_cur->test_1 ? ox_cur->test_1() : -1,
			   ox_cur->test_2 ? ox_cur->test_2(ox_cur->data, 2) : -1);
	mutex_unlock(&ox_lock);
	return 0;
}

static bool ox_is_valid_access(int off, int size, enum bpf_access_type type,
			       const struct bpf_prog *prog, struct bpf_insn_access_aux *info)
{
	return bpf_tracing_btf_ctx_access(off, size, type, prog, info);
}

static const struct bpf_func_proto *ox_get_func_proto(enum bpf_func_id func_id,
						      const struct bpf_prog *prog)
{
	return bpf_base_func_proto(func_id, prog);
}

static const struct bpf_verifier_ops ox_verifier_ops = {
	.is_valid_access = ox_is_valid_access,
	.get_func_proto = ox_get_func_proto,
};

static int ox_init(struct btf *btf)
{
	return 0;
}

static int ox_init_member(const struct btf_type *t, const struct btf_member *member,
			  void *kdata, const void *udata)
{
	const struct oxbpf_testmod_ops *u = udata;
	struct oxbpf_testmod_ops *k = kdata;

	if (__btf_member_bit_offset(t, member) / 8 == offsetof(struct oxbpf_testmod_ops, data)) {
		k->data = u->data;
		return 1;
	}
	return 0;
}

static int ox_reg(void *kdata, struct bpf_link *link)
{
	int err = 0;

	mutex_lock(&ox_lock);
	if (ox_cur)
		err = -EEXIST;
	else
		ox_cur = kdata;
	mutex_unlock(&ox_lock);
	return err;
}

static void ox_unreg(void *kdata, struct bpf_link *link)
{
	mutex_lock(&ox_lock);
	if (ox_cur == kdata)
		ox_cur = NULL;
	mutex_unlock(&ox_lock);
}

static int ox_update(void *kdata, void *old_kdata, struct bpf_link *link)
{
	int err = 0;

	mutex_lock(&ox_lock);
	if (ox_cur != old_kdata)
		err = -ENOENT;
	else
		ox_cur = kdata;
	mutex_unlock(&ox_lock);
	return err;
}

static int ox_validate(void *kdata)
{
	return 0;
}

static int ox_test_1_stub(void)
{
	return 0;
}

static int ox_test_2_stub(int a, int b)
{
	return 0;
}

static struct oxbpf_testmod_ops ox_cfi_stubs = {
	.test_1 = ox_test_1_stub,
	.test_2 = ox_test_2_stub,
};

static struct bpf_struct_ops ox_struct_ops = {
	.verifier_ops = &ox_verifier_ops,
	.init = ox_init,
	.init_member = ox_init_member,
	.reg = ox_reg,
	.unreg = ox_unreg,
	.update = ox_update,
	.validate = ox_validate,
	.cfi_stubs = &ox_cfi_stubs,
	.owner = THIS_MODULE,
	.name = "oxbpf_testmod_ops",
};

static int __init ox_mod_init(void)
{
	int err = register_bpf_struct_ops(&ox_struct_ops, oxbpf_testmod_ops);

	if (err)
		return err;
	if (!proc_create_single("oxbpf_testmod", 0444, NULL, ox_show))
		return -ENOMEM;
	return 0;
}

static void __exit ox_mod_exit(void)
{
	remove_proc_entry("oxbpf_testmod", NULL);
}

module_init(ox_mod_init);
module_exit(ox_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("oxbpf VM lane: a module-defined struct_ops type");
