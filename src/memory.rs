//! Transparent huge pages, for the commands that need them.
//!
//! mimalloc asks the kernel for transparent huge pages for its arenas (`madvise`), and the
//! kernel then faults memory in 2 MiB at a time instead of 4 KiB: one fault (and one 2 MiB
//! zeroing) where there were 512. That pays for a process that fills hundreds of megabytes —
//! assembling the 200,000-line genes of `cargo bench --bench asm` spent a third of its time in
//! page faults, and takes 190 → 135 ms with huge pages — and costs a small one: zeroing 2 MiB
//! it will never use at the first touch of each arena (a JIT run of `stdlib/fib.rdx`, 3.7 → 4.1
//! ms median). So the process starts with them off (`PR_SET_THP_DISABLE`, which the kernel
//! checks at each fault) and turns them on when the files it reads (a program, a run's
//! `--input`) are over [`LARGE`] bytes together: `rdx run` of prefix.rdx on a 13 MB `--input`
//! of 655,360 words, 57 → 43 ms. A small input may still grow large memory — a run's history
//! tape, a stack, deep frames — so the first block of [`LARGE_BLOCK`] bytes the process asks
//! for turns them on too ([`Alloc`]).

use std::alloc::{GlobalAlloc, Layout};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// Inputs this large together (64 KiB: some 3,000 lines of source) get huge pages. Where it
/// turns, by `rdx asm` of the bench's structured gene (median of 25, alternating): 2,000 lines
/// (40 KB) 6.0 ms without them, 6.4 with; 5,000 lines (99 KB) 8.0 and 7.4; 15,000 lines
/// (299 KB) 17.8 and 14.8.
pub const LARGE: u64 = 64 << 10;

/// A single block this large (1 MiB) turns huge pages on for the rest of the process: what a
/// run grows that far — its history tape, a stack, its frames' memory, an output buffer —
/// goes on growing, and each 4 KiB fault of it costs more than the few microseconds of a
/// virtual machine's page fault: `rdx run` of a loop of 4,000,000 `:=` writes (96 MB of tape)
/// took 187 ms on the interpreter and 146 ms on the JIT with small pages, 63 and 40 ms with
/// huge pages. The 2 MiB a huge page may zero for nothing is small next to a block that size.
pub const LARGE_BLOCK: usize = 1 << 20;

/// Whether a block of [`LARGE_BLOCK`] bytes has been asked for (huge pages are then on).
static GREW: AtomicBool = AtomicBool::new(false);

/// The global allocator: mimalloc, which turns huge pages on at the first block of
/// [`LARGE_BLOCK`] bytes or more. (One comparison per allocation; the switch is thrown once.)
pub struct Alloc;

impl Alloc {
    #[inline(always)]
    fn note(size: usize) {
        if size >= LARGE_BLOCK && !GREW.load(Ordering::Relaxed) {
            grew();
        }
    }
}

#[cold]
#[inline(never)]
fn grew() {
    GREW.store(true, Ordering::Relaxed);
    set_huge_pages(true);
}

// SAFETY: every call goes to mimalloc's, unchanged; `note` only reads and sets a flag and
// makes a system call that does not allocate.
unsafe impl GlobalAlloc for Alloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Self::note(layout.size());
        // SAFETY: the caller's contract, passed on.
        unsafe { mimalloc::MiMalloc.alloc(layout) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Self::note(layout.size());
        // SAFETY: as above.
        unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Self::note(new_size);
        // SAFETY: as above.
        unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) }
    }
}

/// Turns huge pages on when the files a command reads are large together, off otherwise (a
/// file that cannot be read counts nothing), unless a large block has turned them on already.
/// Where the kernel has no such switch, nothing changes.
pub fn for_inputs(inputs: &[impl AsRef<Path>]) {
    let bytes: u64 = inputs.iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum();
    set_huge_pages(bytes > LARGE || GREW.load(Ordering::Relaxed));
}

/// Huge pages off before the allocator starts. mimalloc's start-up (a constructor of priority
/// 101) reserves its first arena and the runtime's first allocations touch it, before `main`:
/// switched off only there, one 2 MiB huge page would already have been faulted in and zeroed
/// (`rdx run` of a one-line gene 2.4 → 2.2 ms). A constructor of priority 100 runs first.
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array.00100")]
static HUGE_PAGES_OFF_AT_START: extern "C" fn() = {
    extern "C" fn off() {
        set_huge_pages(false);
    }
    off
};

/// mimalloc's option `destroy_on_exit` (its place in `mi_option_e` of mimalloc v3's
/// `mimalloc.h`; the bindings' `extended` feature, which would name it, needs another crate).
const MI_OPTION_DESTROY_ON_EXIT: std::ffi::c_int = 22;

unsafe extern "C" {
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}

/// Leaves the memory to the kernel at exit. mimalloc's teardown collects every heap and
/// purges its arenas (`madvise`) when the process ends, work a process that is about to go
/// does not need: about 5% of a short JIT run under `perf` (`rdx run` of a one-line gene 2.15 →
/// 2.03 ms median). `destroy_on_exit` above 1 skips it (`_mi_auto_process_done`).
pub fn skip_teardown() {
    // SAFETY: sets one of mimalloc's options (a plain integer it reads at exit).
    unsafe { mi_option_set(MI_OPTION_DESTROY_ON_EXIT, 2) }
}

#[cfg(target_os = "linux")]
fn set_huge_pages(on: bool) {
    // SAFETY: PR_SET_THP_DISABLE takes a flag and three zero arguments and changes only the
    // kernel's page-fault policy for this process; a failure (an old kernel) changes nothing.
    unsafe {
        libc::prctl(
            libc::PR_SET_THP_DISABLE,
            libc::c_ulong::from(!on),
            0 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
        );
    }
}

#[cfg(not(target_os = "linux"))]
fn set_huge_pages(_on: bool) {}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// The kernel's THP switch for this process (1: huge pages off), or None without one.
    fn thp_disabled() -> Option<i32> {
        // SAFETY: PR_GET_THP_DISABLE takes four zero arguments and only reads.
        let r = unsafe {
            libc::prctl(
                libc::PR_GET_THP_DISABLE,
                0 as libc::c_ulong,
                0 as libc::c_ulong,
                0 as libc::c_ulong,
                0 as libc::c_ulong,
            )
        };
        (r >= 0).then_some(r)
    }

    #[test]
    fn huge_pages_follow_the_size_of_the_input() {
        if thp_disabled().is_none() {
            return; // a kernel without the switch: nothing to check
        }
        // Off from the start, before the allocator's first arena (this test is the only one
        // that turns the switch).
        assert_eq!(thp_disabled(), Some(1));
        let dir = std::env::temp_dir().join(format!("rdx-memory-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (small, large) = (dir.join("small.rdx"), dir.join("large.rdx"));
        std::fs::write(&small, "gene main(x: u64) {\n    x += 1\n}\n").unwrap();
        std::fs::write(&large, " ".repeat(LARGE as usize + 1)).unwrap();
        let half = dir.join("half.txt");
        std::fs::write(&half, " ".repeat(LARGE as usize / 2 + 1)).unwrap();
        for_inputs(&[&large]);
        assert_eq!(thp_disabled(), Some(0));
        for_inputs(&[&small]);
        assert_eq!(thp_disabled(), Some(1));
        for_inputs(&[&small, &large]);
        assert_eq!(thp_disabled(), Some(0));
        for_inputs(&[&half, &small]);
        assert_eq!(thp_disabled(), Some(1));
        for_inputs(&[&half, &half]);
        assert_eq!(thp_disabled(), Some(0));
        for_inputs(&[] as &[&Path]);
        assert_eq!(thp_disabled(), Some(1));
        for_inputs(&[dir.join("missing.rdx")]);
        assert_eq!(thp_disabled(), Some(1));
        // A block just under LARGE_BLOCK leaves them off; growing it to LARGE_BLOCK turns them
        // on, for good: small inputs no longer turn them off. (The test binary's own allocator
        // is the system's, so nothing else here throws the switch.)
        let under = Layout::array::<u8>(LARGE_BLOCK - 1).unwrap();
        // SAFETY: a block allocated, grown and freed with the layouts it has.
        unsafe {
            let p = Alloc.alloc(under);
            assert!(!p.is_null());
            assert_eq!(thp_disabled(), Some(1));
            let q = Alloc.realloc(p, under, LARGE_BLOCK);
            assert!(!q.is_null());
            assert_eq!(thp_disabled(), Some(0));
            Alloc.dealloc(q, Layout::array::<u8>(LARGE_BLOCK).unwrap());
        }
        for_inputs(&[&small]);
        assert_eq!(thp_disabled(), Some(0));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
