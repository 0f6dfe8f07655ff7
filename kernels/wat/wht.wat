;; wht: the orthonormal Walsh–Hadamard transform of an f64 buffer of length n = 2^m,
;; H = (1/sqrt n) [(-1)^popcount(i & j)]. Symmetric and orthogonal, so H^2 = I:
;; its own mirror, order 2. In place: one scaling pass, then m butterfly passes.
(module
  (@custom "rdx.kernel" "abi=1\nname=wht\nmirror=wht\nelem=f64\nkind=unitary\norder=2\nlength=pow2\n")
  (memory (export "memory") 1)

  (func $wht (export "forward") (param $p i32) (param $n i32)
    (local $end i32) (local $hb i32) (local $blk i32) (local $a i32) (local $stop i32)
    (local $x f64) (local $y f64) (local $s f64)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 3))))
    ;; Scale by 1/sqrt(n) first: each pass then keeps every value within the input's norm
    ;; (scaled last, [1e308, 1e308] overflowed to inf on the way to its finite result).
    (local.set $s (f64.div (f64.const 1) (f64.sqrt (f64.convert_i32_u (local.get $n)))))
    (local.set $a (local.get $p))
    (block $scaled
      (loop $scale
        (br_if $scaled (i32.ge_u (local.get $a) (local.get $end)))
        (f64.store (local.get $a) (f64.mul (f64.load (local.get $a)) (local.get $s)))
        (local.set $a (i32.add (local.get $a) (i32.const 8)))
        (br $scale)))
    ;; $hb = half block size in bytes: 8, 16, 32, ... < 8n
    (local.set $hb (i32.const 8))
    (block $stages_done
      (loop $stage
        (br_if $stages_done (i32.ge_u (local.get $hb) (i32.shl (local.get $n) (i32.const 3))))
        (local.set $blk (local.get $p))
        (block $blocks_done
          (loop $block
            (br_if $blocks_done (i32.ge_u (local.get $blk) (local.get $end)))
            (local.set $a (local.get $blk))
            (local.set $stop (i32.add (local.get $blk) (local.get $hb)))
            (loop $pair
              (local.set $x (f64.load (local.get $a)))
              (local.set $y (f64.load (i32.add (local.get $a) (local.get $hb))))
              (f64.store (local.get $a) (f64.add (local.get $x) (local.get $y)))
              (f64.store (i32.add (local.get $a) (local.get $hb)) (f64.sub (local.get $x) (local.get $y)))
              (local.set $a (i32.add (local.get $a) (i32.const 8)))
              (br_if $pair (i32.lt_u (local.get $a) (local.get $stop))))
            (local.set $blk (i32.add (local.get $blk) (i32.shl (local.get $hb) (i32.const 1))))
            (br $block)))
        (local.set $hb (i32.shl (local.get $hb) (i32.const 1)))
        (br $stage))))

  (export "inverse" (func $wht)))
