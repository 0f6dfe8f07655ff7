;; gray / ungray: the reflected binary Gray code, applied to each u64 element.
;; forward:  x -> x ^ (x >> 1)
;; inverse:  the prefix xor x ^ (x >> 1) ^ (x >> 2) ^ ... (six doubling steps)
;; Exact; any length; order 64 (G = I + S over GF(2)^64, and (I + S)^64 = I + S^64 = I).
(module
  (@custom "rdx.kernel" "abi=1\nname=gray\nmirror=ungray\nelem=u64\nkind=exact\norder=64\nlength=any\n")
  (memory (export "memory") 1)

  (func (export "forward") (param $p i32) (param $n i32)
    (local $end i32) (local $x i64)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $x (i64.load (local.get $p)))
        (i64.store (local.get $p) (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 1))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br $next))))

  (func (export "inverse") (param $p i32) (param $n i32)
    (local $end i32) (local $x i64)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $x (i64.load (local.get $p)))
        (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 1))))
        (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 2))))
        (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 4))))
        (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 8))))
        (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 16))))
        (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 32))))
        (i64.store (local.get $p) (local.get $x))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br $next)))))
