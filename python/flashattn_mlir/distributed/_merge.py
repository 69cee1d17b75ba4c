"""Merging partial attention results through the logsumexp, in f32
(docs/Distributed.md, "The merge").

For two partial results (o1, l1), (o2, l2) over disjoint key sets:

    m = max(l1, l2)   (0 where both are -inf)
    w_i = exp(l_i - m)       lse = m + log(w1 + w2)
    out = (w1 o1 + w2 o2) / (w1 + w2)   (0 where w1 + w2 == 0)

A row that sees no key in a block has l = -inf, so w = 0 and the other
side wins unchanged; a row that sees no key in either keeps lse = -inf and
out = 0. The usual form out - sigmoid(l2 - l1) (out - o2) gives NaN there
(-inf - -inf)."""

import torch


def merge_(acc_out, acc_lse, out, lse):
    """Merges the partial (out, lse) into the f32 accumulators in place
    (they may be views of larger ones)."""
    lse = lse.float()
    m = torch.maximum(acc_lse, lse)
    m = torch.where(torch.isinf(m), torch.zeros_like(m), m)
    w1, w2 = torch.exp(acc_lse - m), torch.exp(lse - m)
    total = w1 + w2
    acc_lse.copy_(m + torch.log(total))
    denom = torch.where(total > 0, total, torch.ones_like(total)).unsqueeze(-1)
    acc_out.copy_((w1.unsqueeze(-1) * acc_out + w2.unsqueeze(-1) * out.float()) / denom)
