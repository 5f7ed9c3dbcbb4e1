//! libbpf's `validate_map_op` size rules as oxbpf implements them
//! (`oxbpf::object::validate_elem_sizes`): key size exact, value size exact, per-CPU maps
//! `round_up(value_size, 8) * possible CPUs`, the fd check between the two, and libbpf's
//! messages word for word.

use oxbpf::object::{validate_elem_sizes, MapDef};
use oxbpf::uapi;

fn def(map_type: u32, key_size: u32, value_size: u32) -> MapDef {
    MapDef { map_type, key_size, value_size, max_entries: 8, ..Default::default() }
}

fn err(d: &MapDef, ncpus: usize, key: usize, value: Option<usize>) -> (i32, String) {
    let e = validate_elem_sizes("m", d, true, ncpus, key, value, 0).expect_err("should be refused");
    (e.errno(), e.message().to_string())
}

#[test]
fn exact_sizes_pass() {
    let d = def(uapi::BPF_MAP_TYPE_HASH, 4, 8);
    assert!(validate_elem_sizes("m", &d, true, 4, 4, Some(8), 0).is_ok());
    // Operations without a value (delete, get_next_key) check the key only.
    assert!(validate_elem_sizes("m", &d, true, 4, 4, None, 0).is_ok());
    // Queue/stack maps: no key.
    let q = def(uapi::BPF_MAP_TYPE_QUEUE, 0, 16);
    assert!(validate_elem_sizes("m", &q, true, 4, 0, Some(16), 0).is_ok());
}

#[test]
fn key_size_mismatch() {
    let d = def(uapi::BPF_MAP_TYPE_HASH, 4, 8);
    for k in [0usize, 3, 5, 8] {
        let (errno, msg) = err(&d, 2, k, Some(8));
        assert_eq!(errno, libc::EINVAL);
        assert_eq!(msg, format!("map 'm': unexpected key size {k} provided, expected 4"));
    }
    // The key is checked first, even without a value.
    assert_eq!(err(&d, 2, 2, None).1, "map 'm': unexpected key size 2 provided, expected 4");
}

#[test]
fn value_size_mismatch() {
    let d = def(uapi::BPF_MAP_TYPE_ARRAY, 4, 12);
    for v in [0usize, 8, 11, 13, 16, 24] {
        let (errno, msg) = err(&d, 2, 4, Some(v));
        assert_eq!(errno, libc::EINVAL);
        assert_eq!(msg, format!("map 'm': unexpected value size {v} provided, expected 12"));
    }
}

#[test]
fn per_cpu_values_are_rounded_to_8_per_possible_cpu() {
    let percpu = [
        uapi::BPF_MAP_TYPE_PERCPU_HASH,
        uapi::BPF_MAP_TYPE_PERCPU_ARRAY,
        uapi::BPF_MAP_TYPE_LRU_PERCPU_HASH,
        uapi::BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE,
    ];
    for t in percpu {
        for (value_size, ncpus, want) in [(4u32, 1usize, 8usize), (4, 2, 16), (8, 3, 24), (12, 3, 48), (1, 64, 512)] {
            let d = def(t, 4, value_size);
            assert!(
                validate_elem_sizes("m", &d, true, ncpus, 4, Some(want), 0).is_ok(),
                "type {t} {value_size}x{ncpus}"
            );
            let elem = (value_size as usize).div_ceil(8) * 8;
            for bad in [value_size as usize, value_size as usize * ncpus, want - 1, want + 1, want + elem] {
                if bad == want {
                    continue;
                }
                let (errno, msg) = err(&d, ncpus, 4, Some(bad));
                assert_eq!(errno, libc::EINVAL);
                assert_eq!(
                    msg,
                    format!("map 'm': unexpected value size {bad} provided for per-CPU map, expected {ncpus} * {elem} = {want}")
                );
            }
        }
    }
    // Other maps are not per-CPU even if their name suggests storage or arrays.
    for t in [uapi::BPF_MAP_TYPE_ARRAY, uapi::BPF_MAP_TYPE_CGROUP_STORAGE, uapi::BPF_MAP_TYPE_HASH] {
        let d = def(t, 4, 4);
        assert!(validate_elem_sizes("m", &d, true, 4, 4, Some(4), 0).is_ok());
        assert!(validate_elem_sizes("m", &d, true, 4, 4, Some(32), 0).is_err());
    }
}

#[test]
fn missing_fd_is_checked_between_key_and_value() {
    let d = def(uapi::BPF_MAP_TYPE_HASH, 4, 8);
    let e = validate_elem_sizes("m", &d, false, 2, 4, Some(3), 0).unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
    assert_eq!(e.message(), "map 'm': can't use BPF map without FD (was it created?)");
    let e = validate_elem_sizes("m", &d, false, 2, 3, Some(3), 0).unwrap_err();
    assert_eq!(e.message(), "map 'm': unexpected key size 3 provided, expected 4");
}

/// libbpf 1.7's per-CPU element flags: one value instead of one per CPU, and never both flags.
#[test]
fn percpu_cpu_flags() {
    use oxbpf::uapi::{BPF_F_ALL_CPUS, BPF_F_CPU};
    let d = MapDef { map_type: uapi::BPF_MAP_TYPE_PERCPU_ARRAY, key_size: 4, value_size: 12, ..Default::default() };
    assert!(validate_elem_sizes("m", &d, true, 4, 4, Some(12), BPF_F_CPU | (3 << 32)).is_ok());
    assert!(validate_elem_sizes("m", &d, true, 4, 4, Some(12), BPF_F_ALL_CPUS).is_ok());
    assert!(validate_elem_sizes("m", &d, true, 4, 4, Some(64), BPF_F_CPU).is_err());
    let e = validate_elem_sizes("m", &d, true, 4, 4, Some(12), BPF_F_CPU | BPF_F_ALL_CPUS).unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
    assert!(e.to_string().contains("mutually exclusive"), "{e}");
    // Without the flags the per-CPU size stands.
    assert!(validate_elem_sizes("m", &d, true, 4, 4, Some(64), 0).is_ok());
    // Other map types ignore them (the kernel judges).
    let h = MapDef { map_type: uapi::BPF_MAP_TYPE_HASH, key_size: 4, value_size: 12, ..Default::default() };
    assert!(validate_elem_sizes("m", &h, true, 4, 4, Some(12), BPF_F_CPU).is_ok());
}
