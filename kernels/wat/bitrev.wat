;; bitrev: the bit-reversal permutation of a c64 buffer of length n = 2^m:
;; element i moves to index reverse_m(i). A permutation matrix: unitary and bit-exact,
;; its own mirror, order 2. forward and inverse are the same function. From n = 4096 on, the
;; swaps go tile by tile (16 x 16) so that both sides stay in cache.
(module
  (@custom "rdx.kernel" "abi=1\nname=bitrev\nmirror=bitrev\nelem=c64\nkind=unitary\norder=2\nlength=pow2\n")
  (memory (export "memory") 1)

  ;; reverse the low 4 bits
  (func $rev4 (param $x i32) (result i32)
    (i32.or
      (i32.or (i32.shl (i32.and (local.get $x) (i32.const 1)) (i32.const 3))
              (i32.shl (i32.and (local.get $x) (i32.const 2)) (i32.const 1)))
      (i32.or (i32.shr_u (i32.and (local.get $x) (i32.const 4)) (i32.const 1))
              (i32.shr_u (i32.and (local.get $x) (i32.const 8)) (i32.const 3)))))

  ;; the bit-reversal permutation for n = 2^L >= 4096, in 16 x 16 tiles so that both sides of
  ;; the swaps stay in cache: an index is (a: 4 bits | m: L-8 bits | c: 4 bits), its reverse
  ;; (rev4 c | rev m | rev4 a). For each m <= rev m, swap (a, m, c) with (rev4 c, rev m, rev4 a)
  ;; over all a, c (on the diagonal m = rev m only where the index is the smaller one).
  (func $bitrev_tiled (param $p i32) (param $n i32)
    (local $mbits i32) (local $mcount i32) (local $m i32) (local $mr i32) (local $bit i32)
    (local $a i32) (local $c i32) (local $bi i32) (local $bj i32) (local $i i32) (local $j i32)
    (local $rowshift i32) (local $t v128)
    (local.set $mbits (i32.sub (i32.ctz (local.get $n)) (i32.const 8)))
    (local.set $mcount (i32.shl (i32.const 1) (local.get $mbits)))
    ;; a row (fixed top 4 bits) is 2^(L-4) elements = 2^(L) bytes apart
    (local.set $rowshift (i32.add (local.get $mbits) (i32.const 8)))
    (loop $tile
      (if (i32.ge_u (local.get $mr) (local.get $m))
        (then
          (local.set $a (i32.const 0))
          (loop $row
            (local.set $bi (i32.add (local.get $p)
              (i32.or (i32.shl (local.get $a) (local.get $rowshift)) (i32.shl (local.get $m) (i32.const 8)))))
            (local.set $bj (i32.add (local.get $p)
              (i32.or (i32.shl (local.get $mr) (i32.const 8)) (i32.shl (call $rev4 (local.get $a)) (i32.const 4)))))
            (local.set $c (i32.const 0))
            (loop $col
              (local.set $i (i32.add (local.get $bi) (i32.shl (local.get $c) (i32.const 4))))
              (local.set $j (i32.add (local.get $bj) (i32.shl
              (i32.or
                (i32.or (i32.shl (i32.and (local.get $c) (i32.const 1)) (i32.const 3))
                        (i32.shl (i32.and (local.get $c) (i32.const 2)) (i32.const 1)))
                (i32.or (i32.shr_u (i32.and (local.get $c) (i32.const 4)) (i32.const 1))
                        (i32.shr_u (i32.and (local.get $c) (i32.const 8)) (i32.const 3))))
              (local.get $rowshift))))
              (if (i32.or (i32.ne (local.get $m) (local.get $mr)) (i32.lt_u (local.get $i) (local.get $j)))
                (then
                  (local.set $t (v128.load (local.get $i)))
                  (v128.store (local.get $i) (v128.load (local.get $j)))
                  (v128.store (local.get $j) (local.get $t))))
              (local.set $c (i32.add (local.get $c) (i32.const 1)))
              (br_if $col (i32.lt_u (local.get $c) (i32.const 16))))
            (local.set $a (i32.add (local.get $a) (i32.const 1)))
            (br_if $row (i32.lt_u (local.get $a) (i32.const 16))))))
      (local.set $m (i32.add (local.get $m) (i32.const 1)))
      (if (i32.lt_u (local.get $m) (local.get $mcount))
        (then
          ;; mr := reverse(m) over mbits bits, by adding one at the top and carrying down
          (local.set $bit (i32.shr_u (local.get $mcount) (i32.const 1)))
          (block $carried
            (loop $carry
              (br_if $carried (i32.eqz (i32.and (local.get $mr) (local.get $bit))))
              (local.set $mr (i32.xor (local.get $mr) (local.get $bit)))
              (local.set $bit (i32.shr_u (local.get $bit) (i32.const 1)))
              (br $carry)))
          (local.set $mr (i32.or (local.get $mr) (local.get $bit)))
          (br $tile)))))

  (func $bitrev (export "forward") (param $p i32) (param $n i32)
    (local $i i32) (local $j i32) (local $bit i32) (local $a i32) (local $b i32) (local $t v128)
    (if (i32.ge_u (local.get $n) (i32.const 4096))
      (then (call $bitrev_tiled (local.get $p) (local.get $n)) (return)))
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
