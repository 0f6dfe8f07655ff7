//! Transparent huge pages stay off, for the whole process.
//!
//! mimalloc asks the kernel for transparent huge pages for its arenas (`madvise`), and the
//! kernel then faults memory in 2 MiB at a time instead of 4 KiB: one fault and one 2 MiB
//! zeroing where there were 512. Earlier stops turned them on for large inputs (over 64 KiB)
//! and at the first block of 1 MiB, measured by runs one after another, where they paid:
//! `rdx asm` of a 200,000-line gene 130 → 109 ms, a loop of 4,000,000 `:=` writes (96 MB of
//! tape) 135 → 84 ms. A run that comes after a few seconds of quiet, as most do, paid far more
//! instead: 310–385 ms and 414–659 ms against 133–136 and 134–144 ms without them (this
//! machine kind, `perf stat` task-clock, a 4 s pause before each run). On a virtual machine that
//! hands free memory back to its host (free page reporting, which reports whole free 2 MiB
//! blocks), a huge page is such a block, and its first touch is the host's page faults too.
//! Small pages come from memory the guest kept. So huge pages are switched off before the
//! allocator starts and never on again (`PR_SET_THP_DISABLE`, which the kernel checks at each
//! fault).

/// Huge pages off before the allocator starts. mimalloc's start-up (a constructor of priority
/// 101) reserves its first arena and the runtime's first allocations touch it, before `main`:
/// switched off only there, one 2 MiB huge page would already have been faulted in and zeroed
/// (`rdx run` of a one-line gene 2.4 → 2.2 ms). A constructor of priority 100 runs first.
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array.00100")]
static HUGE_PAGES_OFF_AT_START: extern "C" fn() = {
    extern "C" fn off() {
        huge_pages_off();
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
fn huge_pages_off() {
    // SAFETY: PR_SET_THP_DISABLE takes a flag and three zero arguments and changes only the
    // kernel's page-fault policy for this process; a failure (an old kernel) changes nothing.
    unsafe {
        libc::prctl(
            libc::PR_SET_THP_DISABLE,
            1 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
        );
    }
}

/// Huge pages back to the machine's setting, for a program rdx starts (the compiler under
/// `RUSTC_WRAPPER=rdx`): the switch is inherited across fork and exec, and that program should
/// run as it would without rdx. Only a system call, so it may run between fork and exec.
#[cfg(target_os = "linux")]
pub fn huge_pages_default() {
    // SAFETY: as in `huge_pages_off`, with the flag cleared.
    unsafe {
        libc::prctl(
            libc::PR_SET_THP_DISABLE,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
        );
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
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
    fn huge_pages_are_off_from_the_start_and_stay_off() {
        if thp_disabled().is_none() {
            return; // a kernel without the switch: nothing to check
        }
        // Off before `main` (the constructor), and a large block does not turn them on.
        assert_eq!(thp_disabled(), Some(1));
        let big = vec![1u8; 64 << 20];
        assert_eq!(big.iter().map(|&b| b as usize).sum::<usize>(), 64 << 20);
        assert_eq!(thp_disabled(), Some(1));
    }
}
