;; bitrev: the bit-reversal permutation of a c64 buffer of length n = 2^m:
;; element i moves to index reverse_m(i). A permutation matrix: unitary and bit-exact,
;; its own mirror, order 2. forward and inverse are the same function. From n = 16 on, the
;; swaps go tile by tile (4 x 4) so that both sides stay in cache.
(module
  (@custom "rdx.kernel" "abi=1\nname=bitrev\nmirror=bitrev\nelem=c64\nkind=unitary\norder=2\nlength=pow2\n")
  (memory (export "memory") 1)

  ;; the bit-reversal permutation for n = 2^L >= 16, tile by tile so that both sides of the
  ;; swaps stay in cache: an index is (a: 2 bits | m: L-4 bits | c: 2 bits), its reverse
  ;; (rev c | rev m | rev a). For each m <= rev m, swap (a, m, c) with (rev c, rev m, rev a)
  ;; over all a, c (on the diagonal m = rev m only from the smaller index). The tiles are
  ;; 4 x 4: the 8 rows a tile touches are a power of two apart and so share cache sets;
  ;; 8 lines fit the ways of a common L1.
  (func $bitrev_tiled (param $p i32) (param $n i32)
    (local $mbits i32) (local $mcount i32) (local $m i32) (local $mr i32) (local $bit i32)
    (local $a i32) (local $c i32) (local $bi i32) (local $bj i32) (local $i i32) (local $j i32)
    (local $rowshift i32) (local $t v128)
    (local $o1 i32) (local $o2 i32) (local $o3 i32)
    (local.set $mbits (i32.sub (i32.ctz (local.get $n)) (i32.const 4)))
    (local.set $mcount (i32.shl (i32.const 1) (local.get $mbits)))
    ;; rows (fixed top 2 bits) are 2^(L-2) elements = 2^(L-2+4) bytes apart
    (local.set $rowshift (i32.sub (i32.ctz (local.get $n)) (i32.const -2)))
    ;; $oC = byte offset of row rev(C) from row 0
    (local.set $o1 (i32.shl (i32.const 2) (local.get $rowshift)))
    (local.set $o2 (i32.shl (i32.const 1) (local.get $rowshift)))
    (local.set $o3 (i32.shl (i32.const 3) (local.get $rowshift)))
    (loop $tile
      (if (i32.ge_u (local.get $mr) (local.get $m))
        (then
          (local.set $a (i32.const 0))
          (loop $row
            (local.set $bi (i32.add (local.get $p)
              (i32.or (i32.shl (local.get $a) (local.get $rowshift)) (i32.shl (local.get $m) (i32.const 6)))))
            (local.set $bj (i32.add (local.get $p)
              (i32.or (i32.shl (local.get $mr) (i32.const 6)) (i32.shl (i32.or (i32.shl (i32.and (local.get $a) (i32.const 1)) (i32.const 1)) (i32.shr_u (i32.and (local.get $a) (i32.const 2)) (i32.const 1))) (i32.const 4)))))
            (if (i32.ne (local.get $mr) (local.get $m))
              (then
            (local.set $t (v128.load (local.get $bi)))
            (v128.store (local.get $bi) (v128.load (local.get $bj)))
            (v128.store (local.get $bj) (local.get $t))
            (local.set $t (v128.load offset=16 (local.get $bi)))
            (v128.store offset=16 (local.get $bi) (v128.load (i32.add (local.get $bj) (local.get $o1))))
            (v128.store (i32.add (local.get $bj) (local.get $o1)) (local.get $t))
            (local.set $t (v128.load offset=32 (local.get $bi)))
            (v128.store offset=32 (local.get $bi) (v128.load (i32.add (local.get $bj) (local.get $o2))))
            (v128.store (i32.add (local.get $bj) (local.get $o2)) (local.get $t))
            (local.set $t (v128.load offset=48 (local.get $bi)))
            (v128.store offset=48 (local.get $bi) (v128.load (i32.add (local.get $bj) (local.get $o3))))
            (v128.store (i32.add (local.get $bj) (local.get $o3)) (local.get $t)))
              (else
                (local.set $c (i32.const 0))
                (loop $col
                  (local.set $i (i32.add (local.get $bi) (i32.shl (local.get $c) (i32.const 4))))
                  (local.set $j (i32.add (local.get $bj) (i32.shl (i32.or (i32.shl (i32.and (local.get $c) (i32.const 1)) (i32.const 1)) (i32.shr_u (i32.and (local.get $c) (i32.const 2)) (i32.const 1))) (local.get $rowshift))))
                  (if (i32.lt_u (local.get $i) (local.get $j))
                    (then
                      (local.set $t (v128.load (local.get $i)))
                      (v128.store (local.get $i) (v128.load (local.get $j)))
                      (v128.store (local.get $j) (local.get $t))))
                  (local.set $c (i32.add (local.get $c) (i32.const 1)))
                  (br_if $col (i32.lt_u (local.get $c) (i32.const 4))))))
            (local.set $a (i32.add (local.get $a) (i32.const 1)))
            (br_if $row (i32.lt_u (local.get $a) (i32.const 4))))))
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
    (if (i32.ge_u (local.get $n) (i32.const 16))
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
