"""flashattn_mlir.attention under PyTorch's context_parallel() (docs/
Distributed.md, "Use with context_parallel()"): the custom ops
torch.ops.flashattn_mlir.attention and attention_backward get a DTensor op
handler that runs our ring (_ring, the ring of ring_attention()) on the
local shards over the context-parallel mesh's process group, in the layout
that PyTorch's load balancer sharded the sequence with.

How PyTorch distributes scaled_dot_product_attention (torch.distributed.
tensor.experimental._context_parallel._attention, private; read from torch
2.15 and from an earlier revision of the same file), and where we plug in:

* context_parallel(mesh, buffers=...) (its "monkey-patch" mode) replaces
  F.scaled_dot_product_attention with a wrapper (_distribute_function) that
  turns the local shards into DTensors sharded on the sequence (Shard(2))
  of `mesh`, and enables its DTensor dispatcher. attention() does the same
  for our op (attention_on_shards()): it finds `mesh` in that wrapper (its
  closure variable `device_mesh`) and calls the op on Shard(2) DTensors,
  handing back local tensors, with autograd through DTensor.from_local.
* The module-style API (parallelize_module(attn, mesh, _ContextParallel(
  seq_dim=2, attention_type=SDPA)), _enable_context_parallel_dispatcher(),
  _context_parallel_shard()) hands the module's forward Shard(2) DTensors
  already: attention() sends DTensors to the op.
* Its dispatcher (_enable_cp_dtensor_dispatcher) installs the handlers of
  the module's `custom_ops` table into DTensor._op_dispatcher.
  _custom_op_handlers while it is on. install() puts ours into that table
  (and into the live one when the dispatcher is on already), so DTensor
  calls our handler for our ops only while context parallelism is on;
  otherwise the ops' sharding rules (_dtensor.py) apply.
* The layout: PyTorch's ring reads _cp_options.enable_load_balance; the
  buffers are in head-tail order (our "zigzag") when it is on and the
  sequence divides into 2W chunks (_create_default_load_balancer), else in
  rank order ("contiguous"). layout() decides the same way.

check_private_api() checks every private name used here and that PyTorch's
head-tail order is our zigzag; python/tests/test_distributed.py calls it
(torch 2.15), the staged one-GPU check calls it on the GPU machine's torch
(bench/distributed/one_gpu_check.py)."""

import contextlib
import sys

import torch
import torch.distributed as dist
from torch.distributed.tensor import DTensor, Replicate, Shard

from . import _layout
from ._ring import RingSpec, _backward, _forward
from .ops import KernelOp, ReferenceOp

CP_MODULE = "torch.distributed.tensor.experimental._context_parallel._attention"
LB_MODULE = "torch.distributed.tensor.experimental._context_parallel._load_balancer"
# Torch versions this module was run with (the GPU machine's 2.11: the
# staged one-GPU check's first call).
TESTED_TORCH = ("2.15",)
SEQ = Shard(2)   # the sequence dimension of q, k, v [B, H, N, D]

_block_op = None
# Inside a handler: the block op's own attention() calls are on local
# tensors, not on the sharded sequence (KernelOp calls attention()).
_in_handler = False


def _cp():
    from torch.distributed.tensor.experimental._context_parallel import _attention
    return _attention


@contextlib.contextmanager
def block_op(op):
    """Within: the handler computes each ring step with block op `op`
    (ops.py) instead of KernelOp (CUDA) / ReferenceOp (elsewhere)."""
    global _block_op
    saved, _block_op = _block_op, op
    try:
        yield
    finally:
        _block_op = saved


# --- the private API ---------------------------------------------------------

def _closes_over_mesh(code):
    """Whether `code` (of _distribute_function) defines the wrapper
    `inner_fn` with the free variable `device_mesh`."""
    for const in code.co_consts:
        if hasattr(const, "co_freevars"):
            if const.co_name == "inner_fn" and "device_mesh" in const.co_freevars:
                return True
            if _closes_over_mesh(const):
                return True
    return False


def _head_tail_is_zigzag(lb_module):
    """PyTorch's head-tail order is shard()'s zigzag at 2 and 4 ranks."""
    for world in (2, 4):
        n = 4 * world
        got = lb_module._HeadTailLoadBalancer(n, world, "cpu")._generate_indices()
        want = torch.cat([_layout.positions(r, world, n // world, "zigzag")
                          for r in range(world)])
        if got.reshape(-1).long().tolist() != want.tolist():
            return False
    return True


def check_private_api():
    """Raises RuntimeError, naming what differs, unless the installed
    torch's context-parallel internals are those this module uses."""
    try:
        mod = _cp()
        lb = sys.modules[LB_MODULE]
    except (ImportError, KeyError) as e:
        raise RuntimeError(f"torch {torch.__version__} has no context-parallel "
                           f"attention module ({e}); flashattn_mlir.distributed."
                           f"context_parallel was tested with torch {TESTED_TORCH}") from e
    enable = getattr(mod, "_enable_cp_dtensor_dispatcher", None)
    wrap = getattr(mod, "_distribute_function", None)
    options = getattr(mod, "_cp_options", None)
    needs = {
        "custom_ops, a dict of DTensor op handlers": isinstance(
            getattr(mod, "custom_ops", None), dict),
        "_enable_cp_dtensor_dispatcher() installing custom_ops": enable is not None
            and "custom_ops" in enable.__code__.co_names,
        "_replaced_functions, a dict": isinstance(
            getattr(mod, "_replaced_functions", None), dict),
        "_distribute_function's wrapper closing over device_mesh": wrap is not None
            and _closes_over_mesh(wrap.__code__),
        "_cp_options.enable_load_balance, a bool": isinstance(
            getattr(options, "enable_load_balance", None), bool),
        "_sdpa_handler": callable(getattr(mod, "_sdpa_handler", None)),
        "DTensor._op_dispatcher._custom_op_handlers, a dict": isinstance(
            getattr(DTensor._op_dispatcher, "_custom_op_handlers", None), dict),
        "_HeadTailLoadBalancer's order, our zigzag": hasattr(
            lb, "_HeadTailLoadBalancer") and _head_tail_is_zigzag(lb),
    }
    missing = [what for what, ok in needs.items() if not ok]
    if missing:
        raise RuntimeError(
            f"torch {torch.__version__}: its context-parallel internals differ from "
            f"those of the tested torch {TESTED_TORCH} ({'; '.join(missing)}); "
            "flashattn_mlir.distributed.context_parallel must be adapted to it")


def _handlers():
    return {torch.ops.flashattn_mlir.attention.default: _forward_handler,
            torch.ops.flashattn_mlir.attention_backward.default: _backward_handler}


def install():
    """Our handlers in PyTorch's context-parallel handler table, and in
    DTensor's live one while the context-parallel dispatcher is on (it is
    when PyTorch's SDPA handler is there)."""
    live = DTensor._op_dispatcher._custom_op_handlers
    if torch.ops.flashattn_mlir.attention.default in live:
        return
    mod = _cp()
    mod.custom_ops.update(_handlers())
    sdpa = torch.ops.aten._scaled_dot_product_flash_attention.default
    if live.get(sdpa) is mod._sdpa_handler:
        live.update(_handlers())


def active_mesh():
    """The mesh of the context_parallel() the caller is inside (its
    monkey-patch mode), else None."""
    if _in_handler:
        return None
    mod = sys.modules.get(CP_MODULE)
    sdpa = torch.nn.functional.scaled_dot_product_attention
    replaced = getattr(mod, "_replaced_functions", None)
    if not replaced or sdpa not in replaced:
        return None
    cells = dict(zip(sdpa.__code__.co_freevars, sdpa.__closure__ or ()))
    if "device_mesh" not in cells:
        check_private_api()
        raise RuntimeError("torch's context_parallel() wrapper of "
                           "scaled_dot_product_attention holds no device_mesh")
    return cells["device_mesh"].cell_contents


def layout(n_local):
    """The layout PyTorch's context parallelism sharded the sequence with."""
    balanced = _cp()._cp_options.enable_load_balance
    return "zigzag" if balanced and n_local % 2 == 0 else "contiguous"


# --- the handlers -------------------------------------------------------------

def attention_on_shards(mesh, attention, q, k, v, attn_mask, *args):
    """autograd.attention(q, k, v, attn_mask, *args) on this rank's shards of
    a sequence that context_parallel() sharded over `mesh`: the op on
    Shard(2) DTensors (the handlers below), the results back as local
    tensors."""
    def wrap(t):
        return None if t is None else DTensor.from_local(t, mesh, [SEQ], run_check=False)

    res = attention(wrap(q), wrap(k), wrap(v), wrap(attn_mask), *args)
    return tuple(r.to_local() for r in res) if isinstance(res, tuple) else res.to_local()


def _bind(op_call, args, kwargs):
    """The op's arguments by name."""
    named = {a.name: a.default_value for a in op_call._schema.arguments
             if a.has_default_value()}
    named.update(zip((a.name for a in op_call._schema.arguments), args))
    named.update(kwargs)
    return named


_UNSUPPORTED = (
    ("attn_mask", "attn_mask (a mask's key positions would have to follow the "
                  "ring: call flashattn_mlir.distributed.ring_attention(mask_mod=...) "
                  "on the shards)"),
    ("window", "window="),
    ("block_mask", "block_mask="),
)


def _refuse(a):
    """ValueError for what the ring does not take."""
    for name, what in _UNSUPPORTED:
        if a.get(name) is not None:
            raise ValueError("flashattn_mlir.attention under context parallelism "
                             f"takes no {what}")
    if a.get("kernel"):
        raise ValueError("flashattn_mlir.attention under context parallelism "
                         "takes no kernel= (each ring step has its own shapes)")


def _locals(named):
    """(mesh, local tensors) of the DTensors `named`, which must be sharded
    on the sequence (Shard(2)) of one 1-D mesh."""
    mesh = None
    for name, t in named.items():
        placements = tuple(getattr(t, "placements", ()))
        if not isinstance(t, DTensor) or placements != (SEQ,):
            raise ValueError(
                f"flashattn_mlir.attention under context parallelism: {name} must "
                f"be a DTensor sharded on the sequence (Shard(2)) of a 1-D mesh, "
                f"got {placements or type(t).__name__}")
        if mesh is not None and t.device_mesh != mesh:
            raise ValueError("flashattn_mlir.attention under context parallelism: "
                             "the tensors are on different meshes")
        mesh = t.device_mesh
    return mesh, [t.to_local() for t in named.values()]


def _spec(mesh, q, k, v, a):
    """The ring's RingSpec for the op's arguments `a` on the local q, k, v."""
    from . import _check
    causal = a["causal"] != "none"   # equal lengths: both alignments agree
    op = _block_op
    if op is None:
        op = (KernelOp(a["target"] or None, a["deterministic"]) if q.is_cuda
              else ReferenceOp())
    scale, op = _check(q, k, v, causal, a["scale"], op)
    group = mesh.get_group()
    n = q.shape[2]
    lay = layout(n)
    _layout.check_layout(lay, n)
    return RingSpec(group, dist.get_rank(group), dist.get_world_size(group), lay,
                    causal, scale, op, None)


@contextlib.contextmanager
def _handling():
    global _in_handler
    saved, _in_handler = _in_handler, True
    try:
        yield
    finally:
        _in_handler = saved


def _wrap(t, mesh, placement):
    shape = list(t.shape)
    if placement == SEQ:
        shape[2] *= mesh.size()
    stride = torch.empty(shape, device="meta").stride()
    return DTensor.from_local(t, mesh, [placement], run_check=False,
                              shape=torch.Size(shape), stride=stride)


def _forward_handler(op_call, args, kwargs):
    """flashattn_mlir::attention on Shard(2) DTensors: (out, lse) of the
    ring, Shard(2); without `lse`, an empty replicated second output."""
    a = _bind(op_call, args, kwargs)
    _refuse(a)
    mesh, (q, k, v) = _locals({"q": a["q"], "k": a["k"], "v": a["v"]})
    with _handling():
        out, lse = _forward(_spec(mesh, q, k, v, a), q, k, v)
    if not a["lse"]:
        return _wrap(out, mesh, SEQ), _wrap(lse.new_empty((0,)), mesh, Replicate())
    return _wrap(out, mesh, SEQ), _wrap(lse, mesh, SEQ)


def _backward_handler(op_call, args, kwargs):
    """flashattn_mlir::attention_backward on Shard(2) DTensors: dq, dk, dv
    of the ring (the merged out and lse of the forward), and an empty
    replicated dbias."""
    a = _bind(op_call, args, kwargs)
    _refuse(a)
    names = ("dout", "q", "k", "v", "out", "lse")
    mesh, (dout, q, k, v, out, lse) = _locals({n: a[n] for n in names})
    with _handling():
        dq, dk, dv = _backward(_spec(mesh, q, k, v, a), dout.contiguous(), q, k, v,
                               out, lse)
    return (*(_wrap(t, mesh, SEQ) for t in (dq, dk, dv)),
            _wrap(q.new_empty((0,)), mesh, Replicate()))
