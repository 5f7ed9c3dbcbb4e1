//! The registry of live handles (`ffi::handle`): what it accepts and refuses, and what the
//! check costs on the hot path (a figure printed, never asserted).

mod common;

use oxbpf::btf::builder::BtfBuilder;
use oxbpf::btf::{Btf, BtfExt, INT_SIGNED};
use oxbpf::ffi::btf::{btf__free, btf__new, btf__type_cnt};
use oxbpf::ffi::handle;
use std::time::Instant;

fn sample() -> Vec<u8> {
    let mut b = BtfBuilder::new();
    b.add_int("int", 4, INT_SIGNED);
    b.build()
}

#[test]
fn issue_check_reclaim() {
    let p = handle::issue(Box::new(Btf::parse(&sample()).unwrap()));
    assert!(handle::is_live(p));
    // The same address as another handle type is refused.
    assert!(!handle::is_live(p as *const BtfExt));
    assert_eq!(handle::check(p as *const BtfExt, "btf_ext").unwrap_err().errno(), libc::EINVAL);
    // SAFETY: p was issued above and nothing else holds it.
    let b = unsafe { handle::reclaim(p, "btf") }.unwrap();
    assert!(b.is_some());
    assert!(!handle::is_live(p));
    // Stale: refused with EINVAL, naming the function at the boundary; nothing freed twice.
    // SAFETY: refused without being read.
    let e = unsafe { handle::reclaim(p, "btf") }.unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
    assert!(e.names_func(), "{e}");
    assert!(e.message().contains("not a live struct btf handle issued by liboxbpf"), "{e}");
    drop(b);
    // SAFETY: NULL is Ok(None).
    assert!(unsafe { handle::reclaim(std::ptr::null_mut::<Btf>(), "btf") }.unwrap().is_none());

    // A registered (not issued) handle can be used but not freed by C.
    let owned = Box::new(Btf::parse(&sample()).unwrap());
    let q: *const Btf = &*owned;
    handle::register(q);
    // SAFETY: q is live while `owned` is.
    assert_eq!(unsafe { handle::get(q, "btf") }.unwrap().type_cnt(), 2);
    // SAFETY: refused without being read.
    let e = unsafe { handle::reclaim(q as *mut Btf, "btf") }.unwrap_err();
    assert!(e.message().contains("belongs to another handle"), "{e}");
    handle::retire(q);
    assert!(!handle::is_live(q));
}

#[test]
fn exports_refuse_foreign_pointers() {
    let local = [0u64; 16];
    let bad = local.as_ptr() as *const Btf;
    // SAFETY: a value accessor given a pointer we never issued: fallback 0, errno EINVAL.
    assert_eq!(unsafe { btf__type_cnt(bad) }, 0);
    assert_eq!(common::errno(), libc::EINVAL);
    // SAFETY: refused, not freed.
    unsafe { btf__free(bad as *mut Btf) };
    assert_eq!(local, [0u64; 16]);
}

/// ns per call of: a NULL check only (what the exports did before), `handle::is_live` and
/// `handle::get` (the thread's memory hit), a whole export (`btf__type_cnt`), and `is_live` after
/// a retirement (lock and table look-up), with 10,000 other live handles registered.
#[test]
fn handle_check_cost() {
    let data = sample();
    let others: Vec<Box<Btf>> = (0..10_000).map(|_| Box::new(Btf::parse(&data).unwrap())).collect();
    for b in &others {
        handle::register::<Btf>(&**b);
    }
    // SAFETY: data is a valid buffer for btf__new.
    let p = unsafe { btf__new(data.as_ptr() as *const _, data.len() as u32) };
    assert!(!p.is_null());
    const N: u32 = 2_000_000;
    let time = |f: &dyn Fn() -> u32| {
        let t = Instant::now();
        let mut acc = 0u32;
        for _ in 0..N {
            acc = acc.wrapping_add(std::hint::black_box(f()));
        }
        std::hint::black_box(acc);
        t.elapsed().as_nanos() as f64 / f64::from(N)
    };
    let pp = std::hint::black_box(p as *const Btf);
    // SAFETY: p is live for the whole measurement.
    let raw = time(&|| unsafe { pp.as_ref() }.map_or(0, |b| b.type_cnt()));
    // SAFETY: as above.
    let checked = time(&|| unsafe { handle::get(pp, "btf") }.map_or(0, |b| b.type_cnt()));
    let live = time(&|| u32::from(handle::is_live(pp)));
    // SAFETY: as above.
    let export = time(&|| unsafe { btf__type_cnt(pp) });
    // The slow path: the registry's lock and table, as a thread meets a handle first.
    let gen_bump = Box::new(Btf::parse(&data).unwrap());
    let slow = time(&|| {
        handle::register::<Btf>(&*gen_bump);
        handle::retire::<Btf>(&*gen_bump);
        u32::from(handle::is_live(pp))
    }) - time(&|| {
        handle::register::<Btf>(&*gen_bump);
        handle::retire::<Btf>(&*gen_bump);
        0
    });
    println!(
        "handle check cost: NULL check {raw:.1} ns, is_live {live:.1} ns, registry get {checked:.1} ns, \
         btf__type_cnt export {export:.1} ns, uncached is_live {slow:.1} ns per call"
    );
    for b in &others {
        handle::retire::<Btf>(&**b);
    }
    // SAFETY: issued by btf__new.
    unsafe { btf__free(p) };
}
