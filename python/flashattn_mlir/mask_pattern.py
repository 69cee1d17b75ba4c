"""Structured masks that the compiler classifies at compile time.

`MaskPattern(chunk=0, global_tokens=0, butterfly=0)` is fa.attention's
`#fa.mask_pattern` (docs/BlockSparse.md, "Structured masks"): positions are
bottom-right aligned (query i at i' = i + Nk - Nq); query i' sees key j iff
causal allows it (with causal) and the local pattern or the global tokens
keep it:

* chunk=C: chunked (local) attention, floor(i' / C) == floor(j / C);
* butterfly=B: the block butterfly, floor(i' / B) xor floor(j / B) is 0 or a
  power of two;
* global_tokens=G: j < G or i' < G (Longformer, BigBird; with causal and a
  window, attention sinks), with a chunk, a butterfly or attention()'s
  window as the local pattern.

attention(..., mask_pattern=MaskPattern(chunk=8192), causal="bottom_right")
is Llama 4's chunked attention; the compiler skips the (query block, key
block) pairs the pattern hides and masks only the pairs it cuts.
"""

from typing import NamedTuple


class MaskPattern(NamedTuple):
    chunk: int = 0
    global_tokens: int = 0
    butterfly: int = 0

    def keeps(self, i, j, nq, nk, causal=False, window=None):
        """Whether query row i sees key j (the element mask, for tests and
        references; i and j may be broadcasting torch or numpy integer
        arrays)."""
        ip = i + (nk - nq)
        local = True
        if window is not None:
            local = (j >= ip - window[0]) & (j <= ip + window[1])
        if self.chunk:
            local = (ip // self.chunk) == (j // self.chunk)
        if self.butterfly:
            x = (ip // self.butterfly) ^ (j // self.butterfly)
            local = (x & (x - 1)) == 0
        keep = local
        if self.global_tokens:
            keep = local | (j < self.global_tokens) | (ip < self.global_tokens)
        if causal:
            keep = keep & (j <= ip)
        return keep
