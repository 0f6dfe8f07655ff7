;; fft / ifft: the unitary discrete Fourier transform of a c64 buffer of length n = 2^m,
;;   fft:  X[k] = (1/sqrt n) sum_j x[j] e^(-2 pi i jk/n)      ifft: the same with e^(+...).
;; With the 1/sqrt n scaling F is unitary and F^4 = I (F^2 reverses indices mod n): order 4.
;; Elements are interleaved (re, im) f64 pairs; one complex number is one v128 (f64x2).
;; Method: bit-reversal permutation, then iterative decimation-in-time passes, two radix-2
;; passes fused into one radix-2^2 pass wherever possible (half the trips through memory).
;; Twiddles: one contiguous table per pass just past the buffer, entry j of pass h holding
;; w = e^(-i pi j/h) as two vectors [re, re] and [-im, im], so v * w costs two multiplies,
;; one shuffle and one add. The table is computed once per (pointer, length) and kept in the
;; instance between calls (the host writes only the buffer), with (for n < 16) the list of
;; swaps of the bit-reversal permutation; from n = 16 on the permutation goes in 4 x 4 tiles.
;; sin/cos come from Taylor polynomials on [0, pi/4] with octant symmetry: a few ulps.
;; The 1/sqrt n scaling is fused into the first pass. ifft(x) = conj(fft(conj(x))): the inner
;; conjugation is fused into the first pass too, the outer one is a pass of its own.
(module
  (@custom "rdx.kernel" "abi=1\nname=fft\nmirror=ifft\nelem=c64\nkind=unitary\norder=4\nlength=pow2\n")
  (memory (export "memory") 1)
  (global $tw_n (mut i32) (i32.const 0))
  (global $tw_p (mut i32) (i32.const 0))
  ;; the bit-reversal swap list (kept with the twiddles): $swaps pairs of byte offsets
  (global $swaps (mut i32) (i32.const 0))

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

  ;; sin x for |x| <= pi/4: x (1 - x^2/(2*3) (1 - x^2/(4*5) (... (1 - x^2/(18*19)))))
  (func $sin_small (param $x f64) (result f64)
    (local $q f64) (local $t f64)
    (local.set $q (f64.mul (local.get $x) (local.get $x)))
    (local.set $t (f64.sub (f64.const 1) (f64.div (local.get $q) (f64.const 342))))
    (local.set $t (f64.sub (f64.const 1) (f64.mul (f64.div (local.get $q) (f64.const 272)) (local.get $t))))
    (local.set $t (f64.sub (f64.const 1) (f64.mul (f64.div (local.get $q) (f64.const 210)) (local.get $t))))
    (local.set $t (f64.sub (f64.const 1) (f64.mul (f64.div (local.get $q) (f64.const 156)) (local.get $t))))
    (local.set $t (f64.sub (f64.const 1) (f64.mul (f64.div (local.get $q) (f64.const 110)) (local.get $t))))
    (local.set $t (f64.sub (f64.const 1) (f64.mul (f64.div (local.get $q) (f64.const 72)) (local.get $t))))
    (local.set $t (f64.sub (f64.const 1) (f64.mul (f64.div (local.get $q) (f64.const 42)) (local.get $t))))
    (local.set $t (f64.sub (f64.const 1) (f64.mul (f64.div (local.get $q) (f64.const 20)) (local.get $t))))
    (local.set $t (f64.sub (f64.const 1) (f64.mul (f64.div (local.get $q) (f64.const 6)) (local.get $t))))
    (f64.mul (local.get $x) (local.get $t)))

  ;; cos x for |x| <= pi/4: 1 - x^2/(1*2) (1 - x^2/(3*4) (... (1 - x^2/(19*20))))
  (func $cos_small (param $x f64) (result f64)
    (local $q f64) (local $t f64)
    (local.set $q (f64.mul (local.get $x) (local.get $x)))
    (local.set $t (f64.sub (f64.const 1) (f64.div (local.get $q) (f64.const 380))))
    (local.set $t (f64.sub (f64.const 1) (f64.mul (f64.div (local.get $q) (f64.const 306)) (local.get $t))))
    (local.set $t (f64.sub (f64.const 1) (f64.mul (f64.div (local.get $q) (f64.const 240)) (local.get $t))))
    (local.set $t (f64.sub (f64.const 1) (f64.mul (f64.div (local.get $q) (f64.const 182)) (local.get $t))))
    (local.set $t (f64.sub (f64.const 1) (f64.mul (f64.div (local.get $q) (f64.const 132)) (local.get $t))))
    (local.set $t (f64.sub (f64.const 1) (f64.mul (f64.div (local.get $q) (f64.const 90)) (local.get $t))))
    (local.set $t (f64.sub (f64.const 1) (f64.mul (f64.div (local.get $q) (f64.const 56)) (local.get $t))))
    (local.set $t (f64.sub (f64.const 1) (f64.mul (f64.div (local.get $q) (f64.const 30)) (local.get $t))))
    (local.set $t (f64.sub (f64.const 1) (f64.mul (f64.div (local.get $q) (f64.const 12)) (local.get $t))))
    (f64.sub (f64.const 1) (f64.mul (f64.div (local.get $q) (f64.const 2)) (local.get $t))))

  ;; store the twiddle for angle 2 pi j / n (0 <= j < n/2) at $at as [c, c], [s, -s],
  ;; where e^(-i theta) = c - i s
  (func $twiddle (param $at i32) (param $j i32) (param $n i32)
    (local $step f64) (local $phi f64) (local $c f64) (local $s f64) (local $j8 i32) (local $q i32)
    (local.set $step (f64.div (f64.const 6.283185307179586) (f64.convert_i32_u (local.get $n))))
    (local.set $j8 (i32.shl (local.get $j) (i32.const 3)))
    (local.set $q (i32.shr_u (local.get $n) (i32.const 2)))
    (if (i32.le_u (local.get $j8) (local.get $n))
      (then
        (local.set $phi (f64.mul (f64.convert_i32_u (local.get $j)) (local.get $step)))
        (local.set $c (call $cos_small (local.get $phi)))
        (local.set $s (call $sin_small (local.get $phi))))
      (else
        (if (i32.le_u (local.get $j8) (i32.shl (local.get $n) (i32.const 1)))
          (then
            (local.set $phi (f64.mul (f64.convert_i32_u (i32.sub (local.get $q) (local.get $j))) (local.get $step)))
            (local.set $c (call $sin_small (local.get $phi)))
            (local.set $s (call $cos_small (local.get $phi))))
          (else
            (if (i32.le_u (local.get $j8) (i32.mul (local.get $n) (i32.const 3)))
              (then
                (local.set $phi (f64.mul (f64.convert_i32_u (i32.sub (local.get $j) (local.get $q))) (local.get $step)))
                (local.set $c (f64.neg (call $sin_small (local.get $phi))))
                (local.set $s (call $cos_small (local.get $phi))))
              (else
                (local.set $phi (f64.mul (f64.convert_i32_u
                  (i32.sub (i32.shr_u (local.get $n) (i32.const 1)) (local.get $j))) (local.get $step)))
                (local.set $c (f64.neg (call $cos_small (local.get $phi))))
                (local.set $s (call $sin_small (local.get $phi)))))))))
    (v128.store (local.get $at) (f64x2.splat (local.get $c)))
    (v128.store offset=16 (local.get $at)
      (f64x2.replace_lane 1 (f64x2.splat (local.get $s)) (f64.neg (local.get $s)))))

  ;; per-pass tables at t = p + 16n: pass h (1 <= h < n) has h entries from t + 32(h - 1)
  (func $twiddles (param $p i32) (param $n i32)
    (local $t i32) (local $h i32) (local $j i32) (local $dst i32) (local $src i32)
    (if (i32.and (i32.eq (global.get $tw_n) (local.get $n)) (i32.eq (global.get $tw_p) (local.get $p)))
      (then (return)))
    (global.set $tw_n (i32.const 0))
    (call $reserve (i64.add (i64.extend_i32_u (local.get $p)) (i64.mul (i64.extend_i32_u (local.get $n)) (i64.const 56))))
    (local.set $t (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 4))))
    ;; the last pass, h = n/2, from the polynomials
    (local.set $h (i32.shr_u (local.get $n) (i32.const 1)))
    (local.set $dst (i32.add (local.get $t) (i32.shl (i32.sub (local.get $h) (i32.const 1)) (i32.const 5))))
    (local.set $j (i32.const 0))
    (loop $top
      (call $twiddle (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 5))) (local.get $j) (local.get $n))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br_if $top (i32.lt_u (local.get $j) (local.get $h))))
    ;; each smaller pass takes every other entry of the next larger one
    (block $done
      (loop $pass
        (br_if $done (i32.le_u (local.get $h) (i32.const 1)))
        (local.set $src (i32.add (local.get $t) (i32.shl (i32.sub (local.get $h) (i32.const 1)) (i32.const 5))))
        (local.set $h (i32.shr_u (local.get $h) (i32.const 1)))
        (local.set $dst (i32.add (local.get $t) (i32.shl (i32.sub (local.get $h) (i32.const 1)) (i32.const 5))))
        (local.set $j (i32.const 0))
        (loop $copy
          (v128.store (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 5)))
            (v128.load (i32.add (local.get $src) (i32.shl (local.get $j) (i32.const 6)))))
          (v128.store offset=16 (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 5)))
            (v128.load offset=16 (i32.add (local.get $src) (i32.shl (local.get $j) (i32.const 6)))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $copy (i32.lt_u (local.get $j) (local.get $h))))
        (br $pass)))
    (if (i32.lt_u (local.get $n) (i32.const 16))
      (then (call $swap_list (i32.add (local.get $t) (i32.shl (local.get $n) (i32.const 5))) (local.get $n))))
    (global.set $tw_n (local.get $n))
    (global.set $tw_p (local.get $p)))

  ;; the list of index pairs (i, reverse(i)) with i < reverse(i), as byte offsets (16i, 16j),
  ;; at $at (just past the twiddle tables; at most n/2 pairs of 8 bytes)
  (func $swap_list (param $at i32) (param $n i32)
    (local $i i32) (local $j i32) (local $bit i32) (local $k i32)
    (local.set $k (local.get $at))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (if (i32.lt_u (local.get $i) (local.get $j))
          (then
            (i32.store (local.get $k) (i32.shl (local.get $i) (i32.const 4)))
            (i32.store offset=4 (local.get $k) (i32.shl (local.get $j) (i32.const 4)))
            (local.set $k (i32.add (local.get $k) (i32.const 8)))))
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
        (br $next)))
    (global.set $swaps (i32.shr_u (i32.sub (local.get $k) (local.get $at)) (i32.const 3))))

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

  ;; the bit-reversal permutation: tiled from n = 16 on, from the swap list below
  (func $bitrev (param $p i32) (param $n i32)
    (local $k i32) (local $end i32) (local $a i32) (local $b i32) (local $t v128)
    (if (i32.ge_u (local.get $n) (i32.const 16))
      (then (call $bitrev_tiled (local.get $p) (local.get $n)) (return)))
    (local.set $k (i32.add (local.get $p) (i32.mul (local.get $n) (i32.const 48))))
    (local.set $end (i32.add (local.get $k) (i32.shl (global.get $swaps) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $a (i32.add (local.get $p) (i32.load (local.get $k))))
        (local.set $b (i32.add (local.get $p) (i32.load offset=4 (local.get $k))))
        (local.set $t (v128.load (local.get $a)))
        (v128.store (local.get $a) (v128.load (local.get $b)))
        (v128.store (local.get $b) (local.get $t))
        (local.set $k (i32.add (local.get $k) (i32.const 8)))
        (br $next))))

  ;; multiply every element by the vector $f (lane-wise)
  (func $scale (param $p i32) (param $n i32) (param $f v128)
    (local $a i32) (local $end i32)
    (local.set $a (local.get $p))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 4))))
    (loop $next
      (v128.store (local.get $a) (f64x2.mul (v128.load (local.get $a)) (local.get $f)))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (br_if $next (i32.lt_u (local.get $a) (local.get $end)))))

;; The first pass also multiplies its inputs lane-wise by $f: the 1/sqrt n scaling, fused
  ;; with the conjugation for the inverse, costs no trip of its own through memory.

  ;; radix-2 pass h = 1 (twiddle 1), for n = 2
  (func $first2 (param $p i32) (param $n i32) (param $f v128)
    (local $a i32) (local $end i32) (local $u v128) (local $v v128)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 4))))
    (local.set $a (local.get $p))
    (loop $pair
      (local.set $u (f64x2.mul (v128.load (local.get $a)) (local.get $f)))
      (local.set $v (f64x2.mul (v128.load offset=16 (local.get $a)) (local.get $f)))
      (v128.store (local.get $a) (f64x2.add (local.get $u) (local.get $v)))
      (v128.store offset=16 (local.get $a) (f64x2.sub (local.get $u) (local.get $v)))
      (local.set $a (i32.add (local.get $a) (i32.const 32)))
      (br_if $pair (i32.lt_u (local.get $a) (local.get $end)))))

  ;; passes h = 1 and h = 2 fused (twiddles 1 and -i: no multiplies), n >= 4
  (func $first4 (param $p i32) (param $n i32) (param $f v128)
    (local $a i32) (local $end i32)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 4))))
    (local.set $a (local.get $p))
    (loop $quad
      (local.set $b0 (f64x2.mul (v128.load (local.get $a)) (local.get $f)))
      (local.set $b1 (f64x2.mul (v128.load offset=16 (local.get $a)) (local.get $f)))
      (local.set $b2 (f64x2.mul (v128.load offset=32 (local.get $a)) (local.get $f)))
      (local.set $b3 (f64x2.mul (v128.load offset=48 (local.get $a)) (local.get $f)))
      (local.set $b0 (f64x2.add (local.get $b0) (local.get $b1)))
      (local.set $b1 (f64x2.sub (f64x2.sub (local.get $b0) (local.get $b1)) (local.get $b1)))
      (local.set $b2 (f64x2.add (local.get $b2) (local.get $b3)))
      (local.set $b3 (f64x2.sub (f64x2.sub (local.get $b2) (local.get $b3)) (local.get $b3)))
      (local.set $b3 (f64x2.mul (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $b3) (local.get $b3))
                     (v128.const f64x2 1 -1)))
      (v128.store (local.get $a) (f64x2.add (local.get $b0) (local.get $b2)))
      (v128.store offset=32 (local.get $a) (f64x2.sub (local.get $b0) (local.get $b2)))
      (v128.store offset=16 (local.get $a) (f64x2.add (local.get $b1) (local.get $b3)))
      (v128.store offset=48 (local.get $a) (f64x2.sub (local.get $b1) (local.get $b3)))
      (local.set $a (i32.add (local.get $a) (i32.const 64)))
      (br_if $quad (i32.lt_u (local.get $a) (local.get $end)))))

  ;; one radix-2 pass of half-size h >= 2 ($hb = 16h bytes); $tw = the tables' start
  (func $pass2 (param $p i32) (param $n i32) (param $hb i32) (param $tw i32)
    (local $end i32) (local $blk i32) (local $a i32) (local $stop i32) (local $t i32)
    (local $u v128) (local $w v128)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 4))))
    (local.set $blk (local.get $p))
    (loop $block
      (local.set $a (local.get $blk))
      (local.set $stop (i32.add (local.get $blk) (local.get $hb)))
      ;; table of pass h: tw + 32(h - 1) = tw + 2 hb - 32
      (local.set $t (i32.sub (i32.add (local.get $tw) (i32.shl (local.get $hb) (i32.const 1))) (i32.const 32)))
      (loop $bfly
        (local.set $u (v128.load (local.get $a)))
        (local.set $w (v128.load (i32.add (local.get $a) (local.get $hb))))
        (local.set $w (f64x2.add
            (f64x2.mul (local.get $w) (v128.load (local.get $t)))
            (f64x2.mul (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $w) (local.get $w))
                       (v128.load offset=16 (local.get $t)))))
        (v128.store (local.get $a) (f64x2.add (local.get $u) (local.get $w)))
        (v128.store (i32.add (local.get $a) (local.get $hb)) (f64x2.sub (local.get $u) (local.get $w)))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $t (i32.add (local.get $t) (i32.const 32)))
        (br_if $bfly (i32.lt_u (local.get $a) (local.get $stop))))
      (local.set $blk (i32.add (local.get $blk) (i32.shl (local.get $hb) (i32.const 1))))
      (br_if $block (i32.lt_u (local.get $blk) (local.get $end)))))

  ;; passes h and 2h fused (radix 2^2), h >= 4, $hb = 16h bytes: for each block of 4h and
  ;; j < h, with W1 = table(h)[j], W2 = table(2h)[j]:
  ;;   b0, b1 = a0 +- W1 a1     b2, b3 = a2 +- W1 a3
  ;;   c0, c2 = b0 +- W2 b2     c1, c3 = b1 +- (-i W2) b3
  (func $pass4 (param $p i32) (param $n i32) (param $hb i32) (param $tw i32)
    (local $end i32) (local $blk i32) (local $a i32) (local $stop i32) (local $t1 i32) (local $t2 i32)
    (local $a0 v128) (local $a2 v128) (local $m v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 4))))
    (local.set $blk (local.get $p))
    (loop $block
      (local.set $a (local.get $blk))
      (local.set $stop (i32.add (local.get $blk) (local.get $hb)))
      (local.set $t1 (i32.sub (i32.add (local.get $tw) (i32.shl (local.get $hb) (i32.const 1))) (i32.const 32)))
      (local.set $t2 (i32.sub (i32.add (local.get $tw) (i32.shl (local.get $hb) (i32.const 2))) (i32.const 32)))
      (loop $bfly
        (local.set $a0 (v128.load (local.get $a)))
        (local.set $a2 (v128.load (i32.add (local.get $a) (i32.shl (local.get $hb) (i32.const 1)))))
        (local.set $m (v128.load (i32.add (local.get $a) (local.get $hb))))
        (local.set $m (f64x2.add
            (f64x2.mul (local.get $m) (v128.load (local.get $t1)))
            (f64x2.mul (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $m) (local.get $m))
                       (v128.load offset=16 (local.get $t1)))))
        (local.set $b0 (f64x2.add (local.get $a0) (local.get $m)))
        (local.set $b1 (f64x2.sub (local.get $a0) (local.get $m)))
        (local.set $m (v128.load (i32.add (local.get $a) (i32.mul (local.get $hb) (i32.const 3)))))
        (local.set $m (f64x2.add
            (f64x2.mul (local.get $m) (v128.load (local.get $t1)))
            (f64x2.mul (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $m) (local.get $m))
                       (v128.load offset=16 (local.get $t1)))))
        (local.set $b2 (f64x2.add (local.get $a2) (local.get $m)))
        (local.set $b3 (f64x2.sub (local.get $a2) (local.get $m)))
        (local.set $b2 (f64x2.add
            (f64x2.mul (local.get $b2) (v128.load (local.get $t2)))
            (f64x2.mul (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $b2) (local.get $b2))
                       (v128.load offset=16 (local.get $t2)))))
        (local.set $b3 (f64x2.add
            (f64x2.mul (local.get $b3) (v128.load (local.get $t2)))
            (f64x2.mul (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $b3) (local.get $b3))
                       (v128.load offset=16 (local.get $t2)))))
        (local.set $b3 (f64x2.mul (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $b3) (local.get $b3))
                     (v128.const f64x2 1 -1)))
        (v128.store (local.get $a) (f64x2.add (local.get $b0) (local.get $b2)))
        (v128.store (i32.add (local.get $a) (i32.shl (local.get $hb) (i32.const 1)))
          (f64x2.sub (local.get $b0) (local.get $b2)))
        (v128.store (i32.add (local.get $a) (local.get $hb)) (f64x2.add (local.get $b1) (local.get $b3)))
        (v128.store (i32.add (local.get $a) (i32.mul (local.get $hb) (i32.const 3)))
          (f64x2.sub (local.get $b1) (local.get $b3)))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $t1 (i32.add (local.get $t1) (i32.const 32)))
        (local.set $t2 (i32.add (local.get $t2) (i32.const 32)))
        (br_if $bfly (i32.lt_u (local.get $a) (local.get $stop))))
      (local.set $blk (i32.add (local.get $blk) (i32.shl (local.get $hb) (i32.const 2))))
      (br_if $block (i32.lt_u (local.get $blk) (local.get $end)))))

  ;; all passes over bit-reversed input (n >= 2): h = 1, 2 fused, then pairs of passes,
  ;; then one radix-2 pass if an odd number is left
  (func $passes (param $p i32) (param $n i32) (param $f v128)
    (local $hb i32) (local $tw i32) (local $nb i32)
    (if (i32.eq (local.get $n) (i32.const 2))
      (then (call $first2 (local.get $p) (local.get $n) (local.get $f)) (return)))
    (call $first4 (local.get $p) (local.get $n) (local.get $f))
    (local.set $nb (i32.shl (local.get $n) (i32.const 4)))
    (local.set $tw (i32.add (local.get $p) (local.get $nb)))
    (local.set $hb (i32.const 64))
    (block $done
      (loop $pair
        (br_if $done (i32.gt_u (i32.shl (local.get $hb) (i32.const 2)) (local.get $nb)))
        (call $pass4 (local.get $p) (local.get $n) (local.get $hb) (local.get $tw))
        (local.set $hb (i32.shl (local.get $hb) (i32.const 2)))
        (br $pair)))
    (if (i32.lt_u (local.get $hb) (local.get $nb))
      (then (call $pass2 (local.get $p) (local.get $n) (local.get $hb) (local.get $tw)))))

  (func $inv_sqrt (param $n i32) (result f64)
    (f64.div (f64.const 1) (f64.sqrt (f64.convert_i32_u (local.get $n)))))

  (func (export "forward") (param $p i32) (param $n i32)
    (if (i32.le_u (local.get $n) (i32.const 1)) (then (return)))
    (call $twiddles (local.get $p) (local.get $n))
    (call $bitrev (local.get $p) (local.get $n))
    (call $passes (local.get $p) (local.get $n) (f64x2.splat (call $inv_sqrt (local.get $n)))))

  (func (export "inverse") (param $p i32) (param $n i32)
    (local $s f64)
    (if (i32.le_u (local.get $n) (i32.const 1)) (then (return)))
    (local.set $s (call $inv_sqrt (local.get $n)))
    (call $twiddles (local.get $p) (local.get $n))
    (call $bitrev (local.get $p) (local.get $n))
    (call $passes (local.get $p) (local.get $n)
      (f64x2.replace_lane 1 (f64x2.splat (local.get $s)) (f64.neg (local.get $s))))
    (call $scale (local.get $p) (local.get $n) (v128.const f64x2 1 -1))))
