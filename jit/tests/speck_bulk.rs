//! The Speck benchmark's bulk gene `encrypt_all` (vm/benches/speck.rdx) on the JIT: ciphertexts
//! equal the native baseline's (vm/benches/common/speck.rs) and the interpreter's, and the
//! backward run gives the whole plaintext state back.

use rdx_jit::Jit;
use rdx_vm::{Direction, Engine, Interpreter, Value};

#[allow(dead_code)]
#[path = "../../vm/benches/common/speck.rs"]
mod common;

#[test]
fn speck_encrypt_all_on_the_jit_matches_native_and_the_interpreter() {
    let rk = common::native_keys();
    let mut jit = Jit::new();
    for blocks in [1, 3, 8, 1000] {
        let m = common::module_with_words(2 * blocks);
        let g = m.gene_index("encrypt_all").unwrap();
        let plain = common::bulk_plaintext(blocks);
        let mut cipher = plain.clone();
        common::native_encrypt_all(&mut cipher, &rk);
        let start = vec![Value::Array(plain), Value::Array(rk.to_vec())];
        let end = vec![Value::Array(cipher), Value::Array(rk.to_vec())];

        let mut args = start.clone();
        let r = jit.run(&m, g, &mut args, Direction::Forward).unwrap();
        assert_eq!(args, end, "{blocks} blocks: JIT and native ciphertexts differ");
        assert_eq!(r.lossy_bits, 0);
        jit.run(&m, g, &mut args, Direction::Backward).unwrap();
        assert_eq!(args, start, "{blocks} blocks: the JIT's backward run did not decrypt");

        let mut interp = start.clone();
        Interpreter::new().run(&m, g, &mut interp, Direction::Forward).unwrap();
        assert_eq!(interp, end, "{blocks} blocks: interpreter and native differ");
    }
}
