package demo

import (
	"fmt"
	"hash/fnv"
	"math/bits"
	"math/rand/v2"
)

// rng is the simulation's source of chance. Each concern (customers, work,
// payments, ...) draws from its own stream derived from the seed, so that a
// change in how one concern uses randomness does not reshuffle the others.
// Only the PCG generator's raw output is used; the helpers below are ours,
// so the output cannot change with the standard library's helpers.
type rng struct{ src *rand.PCG }

func newRNG(seed int64, stream string) *rng {
	h := fnv.New64a()
	h.Write([]byte(stream))
	return &rng{src: rand.NewPCG(uint64(seed), h.Sum64())}
}

// intn returns a number in [0, n). n must be positive.
func (r *rng) intn(n int) int {
	if n <= 0 {
		panic(fmt.Sprintf("demo: intn(%d)", n))
	}
	hi, _ := bits.Mul64(r.src.Uint64(), uint64(n))
	return int(hi)
}

// between returns a number in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// float returns a number in [0, 1).
func (r *rng) float() float64 { return float64(r.src.Uint64()>>11) / (1 << 53) }

// chance is true with probability p.
func (r *rng) chance(p float64) bool { return r.float() < p }

// guid returns a random version 4 UUID, the form of Xero's ids.
func (r *rng) guid() string {
	a, b := r.src.Uint64(), r.src.Uint64()
	a = a&^(0xf<<12) | 4<<12
	b = b&^(0x3<<62) | 0x2<<62
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}

// hex returns n random lower-case hexadecimal digits.
func (r *rng) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[r.intn(16)]
	}
	return string(b)
}

func pick[T any](r *rng, xs []T) T { return xs[r.intn(len(xs))] }

func shuffle[T any](r *rng, xs []T) {
	for i := len(xs) - 1; i > 0; i-- {
		j := r.intn(i + 1)
		xs[i], xs[j] = xs[j], xs[i]
	}
}

// idSeq hands out increasing ids with small random gaps, the way ids of a
// multi-tenant system grow while other tenants create records too.
type idSeq struct {
	next int64
	r    *rng
}

func newIDSeq(r *rng, start int64) *idSeq { return &idSeq{next: start, r: r} }

func (s *idSeq) take() int64 {
	id := s.next
	s.next += int64(1 + s.r.intn(9))
	return id
}
