;; A user kernel for the CLI tests: rotates an f64 buffer by one element (forward: left,
;; inverse: right). A permutation is orthogonal, so the kernel is unitary; on 3 elements its
;; order is 3, which does not divide 4: `rdx check` reports I5 failing for programs using it.
(module
  (@custom "rdx.kernel" "abi=1\nname=rotl\nmirror=rotr\nelem=f64\nkind=unitary\norder=3\nmax_len=3\n")
  (memory (export "memory") 1)
  (func (export "forward") (param $p i32) (param $n i32)
    (local $i i32) (local $first f64)
    (if (i32.lt_u (local.get $n) (i32.const 2)) (then (return)))
    (local.set $first (f64.load (local.get $p)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (i32.sub (local.get $n) (i32.const 1))))
        (f64.store
          (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 3)))
          (f64.load (i32.add (local.get $p) (i32.shl (i32.add (local.get $i) (i32.const 1)) (i32.const 3)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (f64.store
      (i32.add (local.get $p) (i32.shl (i32.sub (local.get $n) (i32.const 1)) (i32.const 3)))
      (local.get $first)))
  (func (export "inverse") (param $p i32) (param $n i32)
    (local $i i32) (local $last f64)
    (if (i32.lt_u (local.get $n) (i32.const 2)) (then (return)))
    (local.set $i (i32.sub (local.get $n) (i32.const 1)))
    (local.set $last (f64.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 3)))))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $i)))
        (f64.store
          (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 3)))
          (f64.load (i32.add (local.get $p) (i32.shl (i32.sub (local.get $i) (i32.const 1)) (i32.const 3)))))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $next)))
    (f64.store (local.get $p) (local.get $last))))
