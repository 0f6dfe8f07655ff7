;; haar / unhaar: the full dyadic integer Haar transform by lifting, over i64, n = 2^m.
;; One level maps pairs (a, b) to d = b - a, s = a + (d >> 1) (arithmetic shift, wrapping
;; arithmetic), writing the s values to the first half and the d values to the second half;
;; the next level repeats on the first half, down to one s value.
;; The inverse undoes each level exactly: a = s - (d >> 1), b = d + a. Bit-exact for every
;; input (the lifting steps are bijections of i64 x i64 even when they wrap).
;; Scratch: n elements just past the buffer.
(module
  (@custom "rdx.kernel" "abi=1\nname=haar\nmirror=unhaar\nelem=i64\nkind=exact\norder=0\nlength=pow2\n")
  (memory (export "memory") 1)

  ;; make sure bytes [0, end) exist; trap (unreachable) if the host refuses to grow
  (func $reserve (param $end i64)
    (local $have i64)
    (local.set $have (i64.shl (i64.extend_i32_u (memory.size)) (i64.const 16)))
    (if (i64.gt_u (local.get $end) (local.get $have))
      (then
        (if (i32.eq
              (memory.grow (i32.wrap_i64
                (i64.shr_u (i64.add (i64.sub (local.get $end) (local.get $have)) (i64.const 65535))
                           (i64.const 16))))
              (i32.const -1))
          (then (unreachable))))))

  (func (export "forward") (param $p i32) (param $n i32)
    (local $t i32) (local $m i32) (local $half i32) (local $i i32)
    (local $a i64) (local $b i64) (local $d i64)
    (call $reserve (i64.add (i64.extend_i32_u (local.get $p)) (i64.shl (i64.extend_i32_u (local.get $n)) (i64.const 4))))
    (local.set $t (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 3))))
    (local.set $m (local.get $n))
    (block $done
      (loop $level
        (br_if $done (i32.lt_u (local.get $m) (i32.const 2)))
        (local.set $half (i32.shr_u (local.get $m) (i32.const 1)))
        (local.set $i (i32.const 0))
        (loop $pair
          (local.set $a (i64.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 4)))))
          (local.set $b (i64.load offset=8 (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 4)))))
          (local.set $d (i64.sub (local.get $b) (local.get $a)))
          (i64.store (i32.add (local.get $t) (i32.shl (local.get $i) (i32.const 3)))
                     (i64.add (local.get $a) (i64.shr_s (local.get $d) (i64.const 1))))
          (i64.store (i32.add (local.get $t) (i32.shl (i32.add (local.get $half) (local.get $i)) (i32.const 3)))
                     (local.get $d))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $pair (i32.lt_u (local.get $i) (local.get $half))))
        (memory.copy (local.get $p) (local.get $t) (i32.shl (local.get $m) (i32.const 3)))
        (local.set $m (local.get $half))
        (br $level))))

  (func (export "inverse") (param $p i32) (param $n i32)
    (local $t i32) (local $m i32) (local $half i32) (local $i i32)
    (local $a i64) (local $s i64) (local $d i64)
    (call $reserve (i64.add (i64.extend_i32_u (local.get $p)) (i64.shl (i64.extend_i32_u (local.get $n)) (i64.const 4))))
    (local.set $t (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 3))))
    (local.set $m (i32.const 2))
    (block $done
      (loop $level
        (br_if $done (i32.gt_u (local.get $m) (local.get $n)))
        (local.set $half (i32.shr_u (local.get $m) (i32.const 1)))
        (local.set $i (i32.const 0))
        (loop $pair
          (local.set $s (i64.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 3)))))
          (local.set $d (i64.load (i32.add (local.get $p) (i32.shl (i32.add (local.get $half) (local.get $i)) (i32.const 3)))))
          (local.set $a (i64.sub (local.get $s) (i64.shr_s (local.get $d) (i64.const 1))))
          (i64.store (i32.add (local.get $t) (i32.shl (local.get $i) (i32.const 4))) (local.get $a))
          (i64.store offset=8 (i32.add (local.get $t) (i32.shl (local.get $i) (i32.const 4)))
                     (i64.add (local.get $d) (local.get $a)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $pair (i32.lt_u (local.get $i) (local.get $half))))
        (memory.copy (local.get $p) (local.get $t) (i32.shl (local.get $m) (i32.const 3)))
        (local.set $m (i32.shl (local.get $m) (i32.const 1)))
        (br $level)))))
