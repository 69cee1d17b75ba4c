"""Every public function checks the names, types and values of its
arguments before anything runs (issue 27, item 7): nothing a caller passes
is pasted into a pass pipeline unchecked. No GPU needed."""

import os

import pytest

import flashattn_mlir as fa
from flashattn_mlir import _checks, _config, compiler
from conftest import requires_compiler

Q = (1, 2, 128, 64)
PIPELINE_CHARS = "no spaces, braces, quotes or '='"


@pytest.fixture
def no_compile(monkeypatch):
    """compile() must refuse before compiling anything."""
    def boom(*args, **kw):
        raise AssertionError("compiled an invalid configuration")

    monkeypatch.setattr(compiler, "_compile", boom)


def small(**kw):
    args = dict(dtype="bf16", ptxas="none")
    args.update(kw)
    return fa.compile(Q, Q, Q, **args)


# The reproducers of issue 27, item 7.

@requires_compiler
def test_features_cannot_add_an_option(no_compile):
    # Was: the naive kernel, silently.
    with pytest.raises(ValueError, match=r"features='\+ptx80 naive=true' is not "
                                         rf"a valid value: .*{PIPELINE_CHARS}"):
        small(features="+ptx80 naive=true")


@requires_compiler
def test_target_cannot_add_a_pass(no_compile):
    # Was: fa-decompose-attention inserted into the pipeline.
    with pytest.raises(ValueError, match=r"target='h100\},fa-decompose-attention\{'"):
        small(target="h100},fa-decompose-attention{")


@requires_compiler
def test_bool_option_takes_a_bool(no_compile):
    # Was: naive='false' meant True.
    with pytest.raises(TypeError, match="naive must be True or False, got 'false'"):
        small(naive="false")


def test_lse_takes_a_bool():
    # Was: lse='no' meant True.
    with pytest.raises(TypeError, match="lse must be True or False, got 'no'"):
        _config.make_config(Q, Q, Q, lse="no")


def test_tiling_takes_integers():
    # Was: block_q=63.9 became 63.
    with pytest.raises(TypeError, match="block_q must be an integer, got 63.9"):
        _config.make_config(Q, Q, Q, block_q=63.9)


def test_numpy_integers_are_integers():
    # Was: refused.
    np = pytest.importorskip("numpy")
    cfg = _config.make_config(tuple(np.int64(d) for d in Q), np.array(Q),
                              [np.int32(d) for d in Q], block_q=np.int16(32))
    assert cfg["q_shape"] == cfg["k_shape"] == cfg["v_shape"] == list(Q)
    assert cfg["tiling"] == {"block_q": 32}
    assert all(type(d) is int for d in cfg["q_shape"] + cfg["k_shape"])
    assert _config.make_config(Q, Q, Q, causal=np.bool_(True))["causal"] is True


@requires_compiler
def test_missing_ptxas_is_a_value_error(no_compile):
    # Was: a raw FileNotFoundError from subprocess (and, for a cached
    # kernel, nothing at all).
    with pytest.raises(ValueError, match="ptxas '/nonexistent' is not an executable file"):
        small(ptxas="/nonexistent")


@requires_compiler
def test_ptxas_that_does_not_run(tmp_path):
    """A ptxas that is an executable file but no program: CompileError
    naming it, not an OSError."""
    fake = tmp_path / "ptxas"
    fake.write_bytes(b"\x7fELF not really")
    fake.chmod(0o755)
    with pytest.raises(fa.CompileError, match=f"ptxas '{fake}' did not run"):
        small(ptxas=str(fake), block_q=64, block_kv=64, stages=1, warps=4)


# The general classes.

@pytest.mark.parametrize("value", [1, 0, "true", None, 1.0])
def test_bools_must_be_bools(value):
    for name in ("causal", "lse"):
        with pytest.raises(TypeError, match=f"{name} must be True or False"):
            _config.make_config(Q, Q, Q, **{name: value})
    with pytest.raises(TypeError, match="allow_over_budget must be True or False"):
        _config.make_config(Q, Q, Q, allow_over_budget=value)


@pytest.mark.parametrize("value", [64.0, True, "64", None, [64]])
def test_ints_must_be_integral(value):
    for key in ("block_q", "block_kv", "stages", "warps"):
        with pytest.raises(TypeError, match=f"{key} must be an integer"):
            _config.make_config(Q, Q, Q, **{key: value})
    with pytest.raises(TypeError, match=r"q_shape\[2\] must be an integer"):
        _config.make_config((1, 2, value, 64), Q, Q)


def test_sizes_must_be_positive():
    with pytest.raises(ValueError, match="block_kv must be at least 1, got 0"):
        _config.make_config(Q, Q, Q, block_kv=0)
    with pytest.raises(ValueError, match=r"k_shape\[0\] must be at least 1, got -1"):
        _config.make_config(Q, (-1, 2, 128, 64), Q)
    with pytest.raises(ValueError, match="v_shape must be 4 positive ints"):
        _config.make_config(Q, Q, "1x2x128x64")
    with pytest.raises(ValueError, match="mask_shape must be 4 positive ints"):
        _config.make_config(Q, Q, Q, mask="bias", mask_shape=(1, 128))


@pytest.mark.parametrize("scale", [float("nan"), float("inf"), -1.0, 0.0, 1e39, 1e-46])
def test_scale_must_be_a_positive_f32(scale):
    with pytest.raises(ValueError, match="scale must be a positive finite f32 number"):
        _config.make_config(Q, Q, Q, scale=scale)


@pytest.mark.parametrize("scale", ["0.125", True, [0.1]])
def test_scale_must_be_a_number(scale):
    with pytest.raises(TypeError, match="scale must be a number"):
        _config.make_config(Q, Q, Q, scale=scale)


@requires_compiler
@pytest.mark.parametrize("key,value", [
    ("arch", "sm_90a}"), ("arch", "sm_90a stop-after=target"), ("features", "+ptx80'"),
    ("target", 'h100"'), ("target", ""), ("toolkit", "/usr/local/cuda x=1"),
    ("features", "+ptx80\n"), ("arch", "sm_90a\\")])
def test_strings_carry_no_pipeline_syntax(no_compile, key, value):
    with pytest.raises(ValueError, match=f"{key}=.* is not a valid value"):
        small(**{key: value})


@requires_compiler
@pytest.mark.parametrize("key,value", [("arch", 90), ("features", b"+ptx80"),
                                       ("target", None), ("kernel", 1)])
def test_strings_must_be_strings(no_compile, key, value):
    with pytest.raises(TypeError, match=f"{key} must be a str"):
        small(**{key: value})


@requires_compiler
def test_toolkit_must_be_a_folder(no_compile, tmp_path):
    with pytest.raises(ValueError, match="toolkit='/nonexistent' is not a folder"):
        small(toolkit="/nonexistent")
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match="is not a folder"):
        small(toolkit=str(tmp_path / "file"))


@requires_compiler
def test_option_values_from_a_command_line():
    """option_from_text types a command line's KEY=VALUE as the pipeline
    describes the option (bench/correctness/python_gpu_check.py)."""
    from flashattn_mlir import _capi
    described = _capi.compiler().pipeline_options()
    typed = {k: _config.option_from_text(k, v, described) for k, v in (
        ("naive", "true"), ("sram_per_block", "49152"), ("block_q", "64"),
        ("kernel", "simt"), ("llvm_slp", "yes"))}
    assert typed == {"naive": True, "sram_per_block": 49152, "block_q": 64,
                     "kernel": "simt", "llvm_slp": "yes"}
    with pytest.raises(TypeError, match="llvm_slp must be True or False, got 'yes'"):
        _config.make_config(Q, Q, Q, pipeline=described, llvm_slp=typed["llvm_slp"])


@requires_compiler
def test_compile_checks_its_own_arguments(no_compile):
    with pytest.raises(TypeError, match="cache_dir must be a path"):
        small(cache_dir=3)
    with pytest.raises(TypeError, match="ptxas must be a path"):
        small(ptxas=None)
    with pytest.raises(ValueError, match="mask must be one of None, 'bias', 'bool'"):
        small(mask=True)
    with pytest.raises(TypeError, match="unsupported dtype 16"):
        small(dtype=16)


def test_attention_checks_arguments_before_tensors():
    """attention()'s arguments that are not tensors are checked first (no
    GPU, no tensors needed)."""
    for kw, error, match in (
            (dict(causal=1), TypeError, "causal must be False, True or 'bottom_right'"),
            (dict(causal="top_left"), ValueError, "causal must be one of 'bottom_right'"),
            (dict(return_lse="yes"), TypeError, "return_lse must be True or False"),
            (dict(kernel="fa_bf16"), TypeError, "kernel must be a Kernel"),
            (dict(target="h100 naive=true"), ValueError, "target=.* is not a valid value"),
            (dict(scale=float("inf")), ValueError, "scale must be a positive finite")):
        with pytest.raises(error, match=match):
            fa.attention(None, None, None, **kw)


def test_kernel_save_load_register_check_arguments(tmp_path):
    k = fa.Kernel(_config.make_config(Q, Q, Q), ptx=".version 8.0",
                  cubin=None, manifest={"format": "fa-kernel-manifest"})
    for name in ("../escape", "/abs", ".hidden", "", "a/b"):
        with pytest.raises(ValueError, match="name must be a plain file name"):
            k.save(str(tmp_path), name)
    assert not os.path.exists(tmp_path.parent / "escape.json")
    with pytest.raises(TypeError, match="directory must be a path"):
        k.save(None)
    path = k.save(tmp_path, "ok")  # a PathLike folder
    assert fa.load(tmp_path / "ok").name == "ok"  # and a PathLike file
    assert os.path.basename(path) == "ok.json"
    with pytest.raises(TypeError, match="stage must be a str"):
        k.mlir(["input"])
    with pytest.raises(TypeError, match="kernel must be a Kernel"):
        fa.register({"config": {}})
    with pytest.raises(TypeError, match="path must be a path"):
        fa.load(7)
    with pytest.raises(TypeError, match="directory must be a path"):
        fa.load_dir(None)
    with pytest.raises(TypeError, match="Kernel's manifest must be dict"):
        fa.Kernel(None, ptx="", cubin=None, manifest="{}")
    with pytest.raises(TypeError, match="Kernel's cubin must be bytes or NoneType"):
        fa.Kernel(None, ptx="", cubin="x", manifest={})


def test_checks_name_the_argument():
    assert _checks.integer("n", True.__index__()) == 1
    with pytest.raises(TypeError, match="^n must be an integer, got True$"):
        _checks.integer("n", True)
    with pytest.raises(ValueError, match="^x='a b' is not a valid value"):
        _checks.pipeline_word("x", "a b")
    assert _checks.pipeline_word("x", "/usr/local/cuda-13.0") == "/usr/local/cuda-13.0"


def test_pipeline_options_checks_a_hand_made_config():
    """fa.pipeline_options(config) pastes the configuration into the
    pipeline's text: a hand-made one is checked too."""
    cfg = _config.make_config(Q, Q, Q, target="a100", naive=True, sram_per_block=49152)
    assert fa.pipeline_options(cfg) == "target=a100 naive=true sram-per-block=49152"
    for bad, error in ((dict(cfg, target="h100 naive=true"), ValueError),
                       (dict(cfg, options={"features": "+ptx80 naive=true"}), ValueError),
                       (dict(cfg, options={"naive} x{": True}), ValueError),
                       (dict(cfg, options=None), TypeError),
                       ("target=h100", TypeError)):
        with pytest.raises(error):
            fa.pipeline_options(bad)


@pytest.mark.parametrize("value", [1, "true", None])
def test_caller_strides_takes_a_bool(value):
    with pytest.raises(TypeError, match="caller_strides must be True or False"):
        _config.make_config(Q, Q, Q, caller_strides=value)


def test_caller_strides_is_part_of_the_key_only_when_asked():
    # False leaves today's configurations (their cache keys and names) as
    # they are; True is an option of the pipeline (caller-strides=true).
    plain = _config.make_config(Q, Q, Q)
    assert _config.make_config(Q, Q, Q, caller_strides=False) == plain
    strided = _config.make_config(Q, Q, Q, caller_strides=True)
    assert strided["options"] == {"caller_strides": True}
    assert _config.config_key(strided) != _config.config_key(plain)
    assert _config.default_name(strided) != _config.default_name(plain)
    assert "caller-strides=true" in _config.pipeline_options(strided)
    with pytest.raises(ValueError, match="caller_strides=True needs the "
                                         "FlashAttention kernels"):
        _config.make_config(Q, Q, Q, caller_strides=True, naive=True)
