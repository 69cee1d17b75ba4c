"""attention() on torch tensors (docs/Python.md, "Training"; docs/Training.md):
the custom op `torch.ops.flashattn_mlir.attention` and its backward op
`attention_backward`, with fake implementations and the autograd
registration, for torch.compile and torch.export; launch plans that make a
call cheap once its shapes were seen; and, outside torch.compile, the same
forward and backward through a torch.autograd.Function (the op's Python
dispatch costs more host time than the launch itself: docs/Training.md,
"Per-call overhead"). DTensors go through the op (its sharding rules:
_dtensor.py). Imported only when attention() gets torch tensors.

A launch plan is what a call's checks concluded, stored under what they
depend on: the shapes, dtypes, strides (True when contiguous) and devices
of the tensors and the call's options. A later call with the same key
skips the checks (all of them are functions of the key) but the alignment
of its data pointers, which can change from call to call.
"""

import sys

import torch

from . import _checks, aot, runtime
from .kernel import by_token, plans

def wants_grad(tensors):
    """Whether attention() on `tensors` (q, k, v and the mask, or None) must
    record a graph: torch's grad mode is on and one requires grad."""
    if not torch.is_grad_enabled():
        return False
    for t in tensors:
        if t is not None and t.requires_grad:
            return True
    return False


_CAUSAL_NAMES = {False: "none", True: "top_left"}
_CAUSAL_ARGS = {"none": False, "top_left": True}


def _causal_name(causal):
    return _CAUSAL_NAMES.get(causal, causal)


# Whether any autocast is on (one call for every device type; older torch
# has only the per-device query).
_any_autocast = getattr(torch._C, "_is_any_autocast_enabled", None) or (
    lambda: True)


def attention(q, k, v, attn_mask, causal, scale, kernel, target, return_lse,
              deterministic, window=None, block_mask=None, mask_pattern=None):
    """runtime.attention() for torch tensors without out=/lse_out= (its
    flags already checked): under torch.compile the custom op, else the
    autograd.Function when an input requires grad, else the plain
    forward. `block_mask`: a BlockMask or None; its int8 operand travels
    as a tensor next to the mask, its block sizes in `how`."""
    if _CP_MODULE in sys.modules:
        # PyTorch's context parallelism: the ops' handler runs our ring
        # (distributed/context_parallel.py); inside context_parallel(), the
        # local shards become DTensors of its mesh first.
        from .distributed import context_parallel as cp
        cp.install()
        mesh = None if _any_dtensor(q) else cp.active_mesh()
        if mesh is not None:
            if mask_pattern is not None:  # the ring's steps have no pattern
                raise ValueError("flashattn_mlir.attention under context "
                                 "parallelism takes no mask_pattern=")
            return cp.attention_on_shards(
                mesh, attention, q, k, v, attn_mask, causal, scale, kernel, target,
                return_lse, deterministic, window, block_mask)
    if attn_mask is not None and attn_mask.dtype == torch.uint8:
        attn_mask = attn_mask != 0  # the kernel reads one bit per byte
    if _any_autocast():
        q, k, v, attn_mask = _autocast(q, k, v, attn_mask)
    grad = wants_grad((q, k, v, attn_mask))
    bias_grad = (grad and attn_mask is not None
                 and attn_mask.dtype != torch.bool and attn_mask.requires_grad)
    token = "" if kernel is None else kernel.token
    bm = None if block_mask is None else block_mask.operand()
    pattern = _checks.mask_pattern("mask_pattern", mask_pattern, window)
    how = (_causal_name(causal), scale, return_lse or grad, grad, bias_grad,
           deterministic, token, target or "", _structure(window, pattern),
           None if block_mask is None else tuple(block_mask.block_size))
    calls = aot.recording()
    if calls is not None:  # aot.record(): note the call, compute with torch
        runtime.check_shapes(q.shape, k.shape, v.shape,
                             None if attn_mask is None else attn_mask.shape, causal)
        aot.note(calls, q, k, v, attn_mask, *how[:6], window=window,
                 block_mask=block_mask, mask_pattern=pattern)
        out, lse = aot.reference(q, k, v, attn_mask, how[0], scale, window,
                                 block_mask, pattern)
        return (out, lse.detach()) if return_lse else out
    dtensors = _any_dtensor(q, k, v, attn_mask)
    if dtensors and bm is not None:
        raise ValueError("block_mask with DTensors is not supported: the ops' "
                         "sharding rules have no placement for a block mask")
    if torch.compiler.is_compiling() or dtensors:
        # DTensors go through the op, whose sharding rules (_dtensor.py)
        # run it on each rank's shards. The block mask's arguments are
        # passed only with one.
        blocks = () if bm is None else (bm, _op_window(how[9]))
        out, lse = torch.ops.flashattn_mlir.attention(
            q, k, v, attn_mask, *how[:8], _op_window(how[8]), *blocks)
    elif grad:
        out, lse = _Attention.apply(q, k, v, attn_mask, bm, how)
    else:
        out, lse = _forward(q, k, v, attn_mask, how,
                            _inputs_meta(q, k, v, attn_mask), bm)
    return (out, lse) if return_lse else out


# PyTorch's context parallelism's module (torch 2.9-2.15): loaded, its
# handler may be on.
_CP_MODULE = "torch.distributed.tensor.experimental._context_parallel._attention"


def _any_dtensor(*tensors):
    """Whether one of `tensors` (None allowed) is a DTensor; registers the
    ops' sharding rules then."""
    for t in tensors:
        if t is None or type(t) is torch.Tensor:
            continue
        if "torch.distributed.tensor" in sys.modules:
            from . import _dtensor
            if _dtensor.is_dtensor(t):
                _dtensor.register()
                return True
    return False


def _autocast(q, k, v, mask):
    """Under torch.autocast for q's device, q, k, v and a float mask in the
    autocast dtype, as autocast does for scaled_dot_product_attention (a
    model's rotary embedding may hand over f32 q and k with a bf16 v)."""
    device = q.device.type
    if device not in ("cuda", "cpu") or not torch.is_autocast_enabled(device):
        return q, k, v, mask
    dtype = torch.get_autocast_dtype(device)
    cast = lambda t: t.to(dtype) if t is not None and t.is_floating_point() else t  # noqa: E731
    return cast(q), cast(k), cast(v), cast(mask)


def _meta(t):
    """What a plan's checks read of a tensor: its shape, dtype, layout
    (True when contiguous, else its strides: the plan passes or copies
    them, D128) and its device."""
    if t is None:
        return None
    return t.shape, t.dtype, t.is_contiguous() or t.stride(), t.device


class _Plan:
    """One call's checked launch: `kernel` (and its module `handle` on the
    device), the outputs' shapes and dtypes, the alignment each argument
    needs, the runtime's launch function, and for a call with strided
    tensors its _Layout (None otherwise: the per-call path is unchanged)."""

    def __init__(self, kernel, tensors, outputs, cuda):
        ordinal = tensors[0][1].device.index or 0
        self.kernel, self.cuda = kernel, cuda
        # A forward plan's backward plan key (_Attention), once built.
        self.backward_key = None
        # Each output as (the index of the input it is allocated like, or
        # None; shape; dtype): torch.empty_like parses no shape, dtype or
        # device per call, and gives a dense permuted input's layout (O of
        # transformers' [B, N, H, D] q, seen as [B, H, N, D], is one too).
        self.outputs = [(_like(tensors, like, s, d), s, d)
                        for _, s, d, like in outputs]
        self.ordinal = ordinal
        self.rt, self.handle = runtime.loaded(kernel, ordinal)
        self.launch = self.rt.launch_tensors
        self.align = [(i, a) for i, a, _ in runtime.alignment_needs(kernel)]
        self.names = [n for n, _ in tensors] + [n for n, *_ in outputs]
        want = self.rt.argument_bytes(self.handle)
        shapes = [tuple(t.shape) for _, t in tensors] + [s for _, s, _, _ in outputs]
        sizes = [t.element_size() for _, t in tensors] + [
            torch.empty((), dtype=d).element_size() for _, _, d, _ in outputs]
        have = [_numel(s) * e for s, e in zip(shapes, sizes)]
        if want != have:
            raise ValueError(f"kernel {kernel.name} takes buffers of {want} bytes "
                             f"({', '.join(self.names)}); this call has {have}")
        self.layout = _Layout.of(self, [t for _, t in tensors])

    def run(self, tensors, device):
        """Allocates the outputs on `device` (appended to `tensors`, a list
        of the call's own), launches on torch's current stream; returns the
        outputs."""
        outs = [torch.empty(s, dtype=d, device=device) if i is None
                else torch.empty_like(tensors[i]) for i, s, d in self.outputs]
        tensors += outs
        layout = self.layout
        if layout is not None:  # strided tensors (D128)
            tensors = layout.launched(tensors, device)
        pointers = [t.data_ptr() for t in tensors]
        for i, a in self.align:
            if pointers[i] % a:
                buffers = [(p, 0) for p in pointers]
                runtime._check_alignment(self.kernel, buffers, self.names)
        stream = (torch._C._cuda_getCurrentRawStream(self.ordinal)
                  if self.cuda else 0)
        if layout is None:
            self.launch(self.handle, tensors, pointers, stream)
        else:
            self.launch(self.handle, tensors, pointers, stream, layout.strides)
            layout.copy_back(tensors, outs)
        return outs


def _like(tensors, like, shape, dtype):
    """`like` (an index in `tensors`, (name, tensor) pairs, or None) when
    that tensor has `shape` and `dtype`, else None."""
    if like is None:
        return None
    t = tensors[like][1]
    return like if tuple(t.shape) == tuple(shape) and t.dtype == dtype else None


class _Layout:
    """How a plan launches a call with strided tensors (D128), all fixed by
    the plan's key (the inputs' strides; the outputs are allocated like
    inputs): which inputs are copied (.contiguous(): their manifest
    argument lacks caller_strides, or the kernels cannot take their
    strides), which outputs the kernels write into a contiguous temporary
    that is copied back, and the strides passed per argument."""

    def __init__(self, copies, temporaries, strides):
        self.copies, self.temporaries, self.strides = copies, temporaries, strides

    @staticmethod
    def of(plan, inputs):
        """The layout of `plan` for `inputs` (its tensors at plan time), or
        None when every input and output is contiguous."""
        # Contiguous inputs give contiguous outputs.
        if all(t.is_contiguous() for t in inputs):
            return None
        outs = [torch.empty(s, dtype=d, device="meta") if i is None
                else torch.empty_like(inputs[i], device="meta")
                for i, s, d in plan.outputs]
        tensors = inputs + outs
        takes = runtime.caller_strides(plan.kernel)
        copies, temporaries, strides = [], [], []
        for i, t in enumerate(tensors):
            if t.is_contiguous():
                strides.append(None)
            elif i in takes and runtime.takes_strides(t.shape, t.stride(),
                                                      t.element_size()):
                strides.append(tuple(t.stride()))
            else:
                (copies if i < len(inputs) else temporaries).append(i)
                strides.append(None)
        if all(s is None for s in strides):
            strides = None
        return _Layout(copies, temporaries, strides)

    def launched(self, tensors, device):
        """The tensors to launch for a call's `tensors` (its inputs, then
        the outputs): the copies made, a contiguous temporary in place of
        each output the kernels cannot write in its layout."""
        launched = list(tensors)
        for i in self.copies:
            launched[i] = launched[i].contiguous()
        for i in self.temporaries:
            launched[i] = torch.empty(launched[i].shape,
                                      dtype=launched[i].dtype, device=device)
        return launched

    def copy_back(self, launched, outs):
        """Copies the temporaries of `launched` into their outputs."""
        first = len(launched) - len(outs)
        for i in self.temporaries:
            outs[i - first].copy_(launched[i])


def _all_contiguous(*tensors):
    for t in tensors:
        if not t.is_contiguous():
            return False
    return True


def _numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def _kernel(token):
    try:
        return by_token[token] if token else None
    except KeyError:
        raise ValueError(f"kernel {token} is gone (the Kernel was freed)") from None


def _causal_arg(causal):
    return _CAUSAL_ARGS.get(causal, causal)


def _structure(window, pattern):
    """The window and the mask pattern ([chunk, global, butterfly]) as one
    tuple, what `how` and the custom ops' `window` argument carry:
    (left, right) for a window alone, (left, right, chunk, global,
    butterfly) with a pattern (left = right = -1 without a window), None
    for neither."""
    if pattern is None:
        return None if window is None else tuple(window)
    left, right = (-1, -1) if window is None else window
    return (left, right, *pattern)


def _split_structure(structure):
    """_structure's inverse: (window as [left, right] or None, mask pattern
    as [chunk, global, butterfly] or None)."""
    if structure is None:
        return None, None
    s = [int(x) for x in structure]
    return (None if s[0] < 0 else s[:2]), (s[2:] if len(s) > 2 else None)


def _op_window(window):
    """A window (or _structure's tuple) as the custom ops take it (int[]?),
    and back."""
    return None if window is None else list(window)


def _plan_window(window):
    return None if window is None else tuple(window)


def forward(q, k, v, mask, causal, scale, lse, grad, bias_grad, deterministic,
            token, target, window=None, block=None, bm=None):
    """The forward: (out, lse), lse f32 [B, Hq, Nq] when `lse`, else None
    (the op returns an empty tensor instead). With `grad` the backward's kernel
    is found first (its errors come before anything runs). `bm`: a block
    mask's int8 operand, of block sizes `block`, or None."""
    how = (causal, scale, lse, grad, bias_grad, deterministic, token, target,
           _plan_window(window), _plan_window(block))
    return _forward(q, k, v, mask, how, _inputs_meta(q, k, v, mask), bm)


def _inputs_meta(q, k, v, mask):
    return _meta(q), _meta(k), _meta(v), _meta(mask)


def _forward(q, k, v, mask, how, metas, bm=None):
    """forward() with its options as attention()'s `how` tuple, the inputs'
    _inputs_meta() and the block mask's operand `bm` (or None)."""
    out, lse, _ = _forward_run(q, k, v, mask, how, metas, bm)
    return out, lse


def _forward_run(q, k, v, mask, how, metas, bm):
    """_forward's (out, lse, its plan)."""
    key = ("fwd", metas, how) if bm is None else ("fwd", metas, how, _meta(bm))
    plan = plans.get(key)
    if plan is None:
        plan = plans[key] = _forward_plan(q, k, v, mask, *how, bm=bm)
    outs = plan.run(_inputs([q, k, v], mask, bm), q.device)
    return outs[0], outs[1] if how[2] else None, plan


def _inputs(tensors, mask, bm):
    """The kernel's input tensors: `tensors`, then the mask and the block
    mask where there are."""
    return tensors + [t for t in (mask, bm) if t is not None]


def _named_masks(mask, bm):
    return ([("attn_mask", mask)] if mask is not None else []) + (
        [("block_mask", bm)] if bm is not None else [])


def _block_config(block, bm):
    """compile()'s block_mask argument, or None."""
    return None if bm is None else (block[0], block[1], list(bm.shape))


def _forward_plan(q, k, v, mask, causal, scale, lse, grad, bias_grad,
                  deterministic, token, target, window, block=None, bm=None):
    stream = 0  # only DLPack inputs need it; these are torch tensors
    window, pattern = _split_structure(window)
    bq, _, bv, _, config = runtime.check_call(q, k, v, mask, _causal_arg(causal),
                                              scale, lse, stream, window,
                                              _block_config(block, bm), pattern)
    if grad:
        runtime.find_grad_kernel(config, bias_grad, deterministic, target or None,
                                 strided=not _all_contiguous(q, k, v))
    kernel = runtime.chosen_kernel(_kernel(token), config, target or None)
    B, Hq, Nq, _ = bq.shape
    # O like q (where it has q's shape: Dv = D), as the op's fake gives it.
    outputs = [("out", (B, Hq, Nq, bv.shape[3]), q.dtype, 0)]
    if lse:
        outputs.append(("lse", (B, Hq, Nq), torch.float32, None))
    named = [("q", q), ("k", k), ("v", v)] + _named_masks(mask, bm)
    return _Plan(kernel, named, outputs, q.is_cuda)


def backward(dout, q, k, v, mask, out, lse, causal, scale, bias_grad,
             deterministic, target, window=None, bm=None, block=None):
    """The backward (the backward op's implementation): (dq, dk, dv, dbias),
    dbias in the mask's shape when `bias_grad`, else an empty tensor."""
    dq, dk, dv, dbias = _gradients(dout, q, k, v, mask, out, lse, causal, scale,
                                   bias_grad, deterministic, target, window,
                                   bm=bm, block=block)
    return dq, dk, dv, q.new_empty((0,)) if dbias is None else dbias


def _gradients(dout, q, k, v, mask, out, lse, causal, scale, bias_grad,
               deterministic, target, window, metas=None, bm=None, block=None,
               key=None):
    """backward()'s (dq, dk, dv, dbias), dbias None without `bias_grad`;
    `metas`: _inputs_meta(q, k, v, mask) when the caller has it; `bm` the
    block mask's operand of block sizes `block`, or None; `key`:
    _backward_key()'s for these tensors when the caller has it (the
    autograd.Function builds it once, in its forward)."""
    if lse.numel() == 0:
        raise RuntimeError("attention's forward ran without the logsumexp "
                           "(no input required grad then); run it again with "
                           "grad mode on")
    if key is None:
        key = _backward_key(metas or _inputs_meta(q, k, v, mask), out, lse,
                            causal, scale, bias_grad, deterministic, target,
                            window, block, bm)
    key = (key, _meta(dout))  # all but dout's: fixed when out was saved
    plan = plans.get(key)
    if plan is None:
        plan = plans[key] = _backward_plan(dout, q, k, v, mask, out, lse, causal,
                                           scale, bias_grad, deterministic, target,
                                           _plan_window(window), _plan_window(block),
                                           bm)
    tensors = _inputs([q, k, v, out, dout, lse], mask, bm)
    grads = plan.run(tensors, q.device)
    return grads[0], grads[1], grads[2], grads[3] if bias_grad else None


def _backward_key(metas, out, lse, causal, scale, bias_grad, deterministic,
                  target, window, block, bm):
    """The backward plan's key but the gradient's metadata: what its checks
    read of the forward's tensors and the options."""
    return ("bwd", metas, _meta(out), _meta(lse), causal, scale, bias_grad,
            deterministic, target, _plan_window(window), _plan_window(block),
            _meta(bm))


def _backward_plan(dout, q, k, v, mask, out, lse, causal, scale, bias_grad,
                   deterministic, target, window, block=None, bm=None):
    if dout.dtype != out.dtype:
        raise TypeError(f"the gradient of out has dtype {dout.dtype}, out "
                        f"{out.dtype}")
    window, pattern = _split_structure(window)
    _, _, _, _, config = runtime.check_call(q, k, v, mask, _causal_arg(causal),
                                            scale, False, 0, window,
                                            _block_config(block, bm), pattern)
    for name, t in (("out", out), ("grad_out", dout), ("lse", lse)):
        runtime._Buf(name, t, dtypes=runtime._FLOATS)
    # The caller-strides variant only for strided tensors (D128).
    kernel = runtime.find_grad_kernel(
        config, bias_grad, deterministic, target or None,
        strided=not _all_contiguous(q, k, v, out, dout))
    named = [("q", q), ("k", k), ("v", v), ("out", out), ("grad_out", dout),
             ("lse", lse)] + _named_masks(mask, bm)
    # dQ, dK, dV like q, k, v, as the op's fake gives them.
    outputs = [("dq", tuple(q.shape), q.dtype, 0), ("dk", tuple(k.shape), k.dtype, 1),
               ("dv", tuple(v.shape), v.dtype, 2)]
    if bias_grad:
        outputs.append(("dbias", tuple(mask.shape), mask.dtype, 6))
    return _Plan(kernel, named, outputs, q.is_cuda)


class _Attention(torch.autograd.Function):
    """Outside torch.compile: q, k, v, mask -> (out, lse); lse is not
    differentiable (a loss that uses it gets no gradient through it)."""

    @staticmethod
    def forward(ctx, q, k, v, mask, bm, how):
        # The backward's plan key, all but dout's part, is a function of
        # the forward plan's (the inputs' metadata and the options fix the
        # outputs'): built once per forward plan. Saved tensors cannot
        # change before the backward (autograd checks their versions).
        metas = _inputs_meta(q, k, v, mask)
        out, lse, plan = _forward_run(q, k, v, mask, how, metas, bm)
        ctx.mark_non_differentiable(lse)
        # lse has no gradient: no zero tensor (an allocation and a fill
        # kernel on the GPU) for it each backward.
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(q, k, v, mask, bm, out, lse)
        ctx.how = how
        if plan.backward_key is None:
            (causal, scale, _, _, bias_grad, deterministic, _, target, window,
             block) = how
            plan.backward_key = _backward_key(metas, out, lse, causal, scale,
                                              bias_grad, deterministic, target,
                                              window, block, bm)
        ctx.key = plan.backward_key
        return out, lse

    @staticmethod
    @torch.autograd.function.once_differentiable  # no double backward
    def backward(ctx, dout, _dlse):
        q, k, v, mask, bm, out, lse = ctx.saved_tensors
        if dout is None:  # not materialized; lse takes none, so out has
            dout = torch.zeros_like(out)  # one whenever this runs
        (causal, scale, _, _, bias_grad, deterministic, _, target, window,
         block) = ctx.how
        dq, dk, dv, dbias = _gradients(dout, q, k, v, mask, out, lse, causal,
                                       scale, bias_grad, deterministic, target,
                                       window, None, bm, block, ctx.key)
        need = ctx.needs_input_grad
        return (dq if need[0] else None, dk if need[1] else None,
                dv if need[2] else None, dbias if need[3] and bias_grad else None,
                None, None)


# The custom ops. Their real implementations are forward() and backward()
# above, for every device (CUDA in use; the tests' fake runtime runs them on
# CPU tensors); the fake ones give torch.compile the outputs' metadata.

@torch.library.custom_op("flashattn_mlir::attention", mutates_args=())
def _attention_op(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                  attn_mask: torch.Tensor | None, causal: str, scale: float | None,
                  lse: bool, grad: bool, bias_grad: bool, deterministic: bool,
                  kernel: str, target: str,
                  window: list[int] | None = None,
                  block_mask: torch.Tensor | None = None,
                  block_size: list[int] | None = None
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """softmax(q k^T * scale [+ mask]) v: (out, lse). causal: 'none',
    'top_left' (torch's is_causal, Nq == Nk only) or 'bottom_right'; lse:
    compute the logsumexp (else the second output is empty); grad: find the
    backward's kernel now; kernel: a token of attention()'s kernel=, or '';
    window: [left, right] of a sliding window, or [left, right, chunk,
    global, butterfly] with a mask pattern (left = right = -1 without a
    window), or None; block_mask: a block
    mask's int8 operand of block sizes block_size [block_q, block_kv], or
    None."""
    out, logsumexp = forward(q, k, v, attn_mask, causal, scale, lse, grad,
                             bias_grad, deterministic, kernel, target, window,
                             block_size, block_mask)
    if logsumexp is None:
        logsumexp = q.new_empty((0,), dtype=torch.float32)
    return out, logsumexp


@_attention_op.register_fake
def _(q, k, v, attn_mask, causal, scale, lse, grad, bias_grad, deterministic,
      kernel, target, window=None, block_mask=None, block_size=None):
    runtime.check_shapes(q.shape, k.shape, v.shape,
                         None if attn_mask is None else attn_mask.shape,
                         _causal_arg(causal))
    B, Hq, Nq, D = q.shape
    # The real op's O: like q where it has q's shape (_forward_plan).
    out = (torch.empty_like(q) if v.shape[3] == D
           else q.new_empty((B, Hq, Nq, v.shape[3])))
    return out, q.new_empty((B, Hq, Nq) if lse else (0,), dtype=torch.float32)


@torch.library.custom_op("flashattn_mlir::attention_backward", mutates_args=())
def _attention_backward_op(
        dout: torch.Tensor, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
        attn_mask: torch.Tensor | None, out: torch.Tensor, lse: torch.Tensor,
        causal: str, scale: float | None, bias_grad: bool, deterministic: bool,
        target: str, window: list[int] | None = None,
        block_mask: torch.Tensor | None = None,
        block_size: list[int] | None = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(dq, dk, dv, dbias) of flashattn_mlir::attention; dbias is empty
    unless bias_grad."""
    return backward(dout, q, k, v, attn_mask, out, lse, causal, scale, bias_grad,
                    deterministic, target, window, block_mask, block_size)


@_attention_backward_op.register_fake
def _(dout, q, k, v, attn_mask, out, lse, causal, scale, bias_grad,
      deterministic, target, window=None, block_mask=None, block_size=None):
    dbias = (torch.empty_like(attn_mask) if bias_grad
             else q.new_empty((0,)))
    return torch.empty_like(q), torch.empty_like(k), torch.empty_like(v), dbias


def _setup_context(ctx, inputs, output):
    (q, k, v, mask, causal, scale, _, _, bias_grad, deterministic, _, target,
     window, *blocks) = inputs
    bm, block = (blocks + [None, None])[:2]
    out, lse = output
    ctx.save_for_backward(q, k, v, mask, bm, out, lse)
    ctx.how = (causal, scale, bias_grad, deterministic, target, window, block)
    ctx.mark_non_differentiable(lse)


def _op_backward(ctx, dout, _dlse):
    q, k, v, mask, bm, out, lse = ctx.saved_tensors
    causal, scale, bias_grad, deterministic, target, window, block = ctx.how
    # The block mask's arguments only with one (the DTensor rules take none).
    blocks = () if bm is None else (bm, block)
    dq, dk, dv, dbias = torch.ops.flashattn_mlir.attention_backward(
        dout, q, k, v, mask, out, lse, causal, scale, bias_grad, deterministic,
        target, window, *blocks)
    need = ctx.needs_input_grad
    return (dq if need[0] else None, dk if need[1] else None,
            dv if need[2] else None, dbias if need[3] and bias_grad else None,
            None, None, None, None, None, None, None, None, None, None, None)


_attention_op.register_autograd(_op_backward, setup_context=_setup_context)


# DTensor's sharding rules for the ops, now when torch.distributed.tensor is
# loaded (else on the first DTensor call, or by flashattn_mlir.distributed).
if "torch.distributed.tensor" in sys.modules:
    from . import _dtensor
    _dtensor.register()
