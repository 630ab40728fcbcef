package matching

import (
	"math"
	"runtime"
	"slices"
	"sync"
)

// sortedOrder returns the permutation that sorts keys ascending, stably:
// equal keys keep their input order, as R's order() (radix) does, which
// MatchIt relies on for its tie-breaking. Large inputs use an LSD radix
// sort on the IEEE-754 bits.
func sortedOrder(keys []float64) []int32 {
	n := len(keys)
	if n >= 1<<17 && runtime.GOMAXPROCS(0) > 1 {
		// Sort the two halves at once, then merge; the left half holds the
		// lower indices, so taking it first on equal keys keeps stability.
		h := n / 2
		var left []int32
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); left = radixOrder(keys[:h], 0) }()
		right := radixOrder(keys[h:], int32(h))
		wg.Wait()
		out := make([]int32, 0, n)
		a, b := 0, 0
		for a < len(left) && b < len(right) {
			if keys[right[b]] < keys[left[a]] {
				out = append(out, right[b])
				b++
			} else {
				out = append(out, left[a])
				a++
			}
		}
		out = append(out, left[a:]...)
		return append(out, right[b:]...)
	}
	return radixOrder(keys, 0)
}

// radixOrder is sortedOrder on one goroutine; returned indices are offset
// by base.
func radixOrder(keys []float64, base int32) []int32 {
	n := len(keys)
	ord := make([]int32, n)
	for i := range ord {
		ord[i] = int32(i) + base
	}
	if n < 1<<12 {
		slices.SortStableFunc(ord, func(a, b int32) int {
			ka, kb := keys[a-base], keys[b-base]
			switch {
			case ka < kb:
				return -1
			case ka > kb:
				return 1
			}
			return 0
		})
		return ord
	}
	bits := make([]uint64, n)
	for i, k := range keys {
		if k == 0 {
			k = 0 // fold -0 into +0
		}
		u := math.Float64bits(k)
		if u>>63 == 1 {
			u = ^u
		} else {
			u |= 1 << 63
		}
		bits[i] = u
	}
	tmpOrd := make([]int32, n)
	tmpBits := make([]uint64, n)
	var count [256]int
	for shift := uint(0); shift < 64; shift += 8 {
		clear(count[:])
		for _, u := range bits {
			count[(u>>shift)&0xff]++
		}
		if slices.Contains(count[:], n) {
			continue // every key shares this byte
		}
		sum := 0
		for b := range count {
			c := count[b]
			count[b] = sum
			sum += c
		}
		for i, u := range bits {
			b := (u >> shift) & 0xff
			j := count[b]
			count[b]++
			tmpBits[j] = u
			tmpOrd[j] = ord[i]
		}
		bits, tmpBits = tmpBits, bits
		ord, tmpOrd = tmpOrd, ord
	}
	return ord
}
