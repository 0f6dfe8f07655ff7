//! rdx ring 1: sandboxed WebAssembly kernels.
//!
//! A kernel is a pure, in-place, mirror-paired transform over a typed buffer (`f64`, `c64`,
//! `u64` or `i64` elements), shipped as a WebAssembly module with no imports and described by
//! an `rdx.kernel` metadata section (the ABI is written in `spec/kernels.md`). The
//! [`KernelHost`] loads kernels (the stdlib ones from `wat/`, or user `.wasm` files), runs
//! them in wasmtime under fuel and memory limits, and offers the checked call used by
//! `rdx run --checked`. [`scan`] reads a module before it is compiled: the size bounds that
//! keep a hostile module from compiling for minutes, imports and exports. [`reference`] holds native implementations (rustfft and plain Rust)
//! that the tests and the benchmark compare the kernels with. [`bridge`] connects the host to
//! the checker's catalogue and to both engines.
//!
//! ```
//! use rdx_kernels::{Buffer, KernelHost, Limits};
//! use num_complex::Complex64;
//!
//! let mut host = KernelHost::new(Limits::default()).unwrap();
//! host.register_stdlib().unwrap();
//! let mut buf = Buffer::C64(vec![Complex64::new(1.0, 0.0); 4]);
//! host.call("fft", &mut buf).unwrap();      // [2, 0, 0, 0]
//! host.call_mirror("fft", &mut buf).unwrap(); // back to all ones
//! assert!(buf.approx_eq(&Buffer::C64(vec![Complex64::new(1.0, 0.0); 4]), 1e-12));
//! ```

pub mod bridge;
mod buffer;
mod error;
mod host;
pub mod meta;
pub mod reference;
pub mod scan;
pub mod stdlib;

pub use buffer::Buffer;
pub use error::KernelError;
pub use host::{KernelHost, KernelInfo, Limits, NORM_FLOOR, NORM_TOLERANCE, Origin};
pub use meta::{ElemType, Kind, LengthRule};
pub use num_complex::Complex64;
