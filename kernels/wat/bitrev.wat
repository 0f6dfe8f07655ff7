;; bitrev: the bit-reversal permutation of a c64 buffer of length n = 2^m:
;; element i moves to index reverse_m(i). A permutation matrix: unitary and bit-exact,
;; its own mirror, order 2. forward and inverse are the same function.
(module
  (@custom "rdx.kernel" "abi=1\nname=bitrev\nmirror=bitrev\nelem=c64\nkind=unitary\norder=2\nlength=pow2\n")
  (memory (export "memory") 1)

  (func $bitrev (export "forward") (param $p i32) (param $n i32)
    (local $i i32) (local $j i32) (local $bit i32) (local $a i32) (local $b i32) (local $t v128)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (if (i32.lt_u (local.get $i) (local.get $j))
          (then
            (local.set $a (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 4))))
            (local.set $b (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 4))))
            (local.set $t (v128.load (local.get $a)))
            (v128.store (local.get $a) (v128.load (local.get $b)))
            (v128.store (local.get $b) (local.get $t))))
        ;; j := reverse(i + 1): add one at the top bit, carrying downwards
        (local.set $bit (i32.shr_u (local.get $n) (i32.const 1)))
        (block $carried
          (loop $carry
            (br_if $carried (i32.eqz (i32.and (local.get $j) (local.get $bit))))
            (local.set $j (i32.xor (local.get $j) (local.get $bit)))
            (local.set $bit (i32.shr_u (local.get $bit) (i32.const 1)))
            (br $carry)))
        (local.set $j (i32.or (local.get $j) (local.get $bit)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  (export "inverse" (func $bitrev)))
