"""bench/correctness/backward_simt.py's criterion arithmetic: `max_diff`
compares block by block in float64 and, for the naive dBias, after rounding
to the bias's type (what a naive implementation in that type returns)."""

import pytest

from conftest import load_script


def test_max_diff_rounds_the_first_operand_when_asked():
    torch = pytest.importorskip("torch")
    check = load_script("bench/correctness/backward_simt.py", "backward_simt")
    ref = torch.zeros(1, 1, 3, 4, dtype=torch.float64)
    # 2^-10 off: not representable next to 1 in bf16 (spacing 2^-7).
    ref[0, 0, 1, 2] = 1.0
    near = ref.clone()
    near[0, 0, 1, 2] = 1.0 + 2.0 ** -10
    assert check.max_diff(near, ref) == 2.0 ** -10
    assert check.max_diff(near, ref, rounded_to=torch.bfloat16) == 0.0
    # An unrepresentable reference: rounding costs the naive side its
    # distance to the nearest bf16 value (as it costs the kernel).
    ref[0, 0, 1, 2] = 1.0 + 3 * 2.0 ** -9
    exact = ref.clone()
    assert check.max_diff(exact, ref) == 0.0
    assert check.max_diff(exact, ref, rounded_to=torch.bfloat16) == 2.0 ** -9

