"""The transformers backend (flashattn_mlir/integrations/transformers.py)
without a GPU: tiny random-init GPT-2, BERT and Llama-style (GQA) models
with attn_implementation="fa_mlir" on the fake runtime of
fake_runtime.py (attention() and the kernels' plumbing run; the fake
computes the launched kernels' outputs), against attn_implementation=
"eager": logits and gradients, with and without padding. Skipped without
torch or transformers (tested with 5.17)."""

import pytest

from conftest import requires_compiler

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
from fake_runtime import install  # noqa: E402
from flashattn_mlir.integrations import transformers as fa_hf  # noqa: E402

pytestmark = requires_compiler


@pytest.fixture
def fake(monkeypatch):
    assert fa_hf.register() == "fa_mlir"
    return install(monkeypatch)


def gpt2():
    return transformers.GPT2Config(n_layer=2, n_head=4, n_embd=128, vocab_size=97,
                                   n_positions=64, attn_pdrop=0.0, resid_pdrop=0.0,
                                   embd_pdrop=0.0)


def bert():
    return transformers.BertConfig(num_hidden_layers=2, num_attention_heads=4,
                                   hidden_size=128, intermediate_size=256,
                                   vocab_size=97, max_position_embeddings=64,
                                   attention_probs_dropout_prob=0.0,
                                   hidden_dropout_prob=0.0)


def llama():
    return transformers.LlamaConfig(num_hidden_layers=2, num_attention_heads=4,
                                    num_key_value_heads=2, hidden_size=128,
                                    intermediate_size=256, vocab_size=97,
                                    max_position_embeddings=64)


MODELS = {"gpt2": (gpt2, transformers.GPT2LMHeadModel),
          "bert": (bert, transformers.BertForMaskedLM),
          "llama": (llama, transformers.LlamaForCausalLM)}


def run(name, implementation, ids, mask):
    config, cls = MODELS[name]
    torch.manual_seed(0)
    model = cls._from_config(config(), attn_implementation=implementation)
    model.train()
    out = model(input_ids=ids, attention_mask=mask).logits
    out.square().mean().backward()
    grads = {n: p.grad for n, p in model.named_parameters() if p.grad is not None}
    return out.detach(), grads


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("padded", [False, True])
def test_matches_eager(fake, name, padded):
    gen = torch.Generator().manual_seed(1)
    ids = torch.randint(0, 97, (2, 24), generator=gen)
    mask = torch.ones(2, 24, dtype=torch.long)
    if padded:
        mask[1, 17:] = 0  # right padding: every query row still sees a key
    ours, our_grads = run(name, fa_hf.NAME, ids, mask)
    eager, eager_grads = run(name, "eager", ids, mask)
    keep = mask.bool()
    torch.testing.assert_close(ours[keep], eager[keep], rtol=1e-4, atol=1e-5)
    assert our_grads.keys() == eager_grads.keys()
    for n in our_grads:
        torch.testing.assert_close(our_grads[n], eager_grads[n], rtol=1e-3, atol=1e-5,
                                   msg=lambda m: f"{n}: {m}")
    kinds = {(c["causal"], c["mask"] and c["mask"]["kind"]) for c, _ in fake.launches}
    causal = name != "bert"
    if padded:  # transformers builds a keep-mask (causal inside it)
        assert (False, "bool") in kinds
    else:  # no mask: the kernels' causal flag (or none, for BERT)
        assert kinds == {(causal, None)}
    assert any("grad" in c for c, _ in fake.launches)  # the backward ran


def test_generate_with_cache(fake):
    """Decoding: one query against the cache (no mask, not causal)."""
    torch.manual_seed(0)
    model = transformers.LlamaForCausalLM._from_config(
        llama(), attn_implementation=fa_hf.NAME).eval()
    ref = transformers.LlamaForCausalLM._from_config(
        llama(), attn_implementation="eager").eval()
    ref.load_state_dict(model.state_dict())
    ids = torch.randint(0, 97, (1, 8), generator=torch.Generator().manual_seed(2))
    kw = dict(max_new_tokens=4, do_sample=False, pad_token_id=0)
    with torch.no_grad():
        assert torch.equal(model.generate(ids, **kw), ref.generate(ids, **kw))


def test_what_it_cannot_compute(fake):
    torch.manual_seed(0)
    model = transformers.GPT2LMHeadModel._from_config(
        transformers.GPT2Config(n_layer=1, n_head=4, n_embd=128, vocab_size=97,
                                n_positions=64),  # attn_pdrop 0.1
        attn_implementation=fa_hf.NAME)
    ids = torch.randint(0, 97, (1, 8))
    with pytest.raises(ValueError, match="attn_pdrop"):
        model.train()(input_ids=ids)
    model.eval()(input_ids=ids)  # no dropout in eval
    q = torch.zeros(1, 2, 4, 32)
    module = torch.nn.Module()
    with pytest.raises(ValueError, match="4-D"):
        fa_hf.attention_forward(module, q, q, q, torch.ones(4, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match="neither a keep-mask"):
        fa_hf.attention_forward(module, q, q, q, torch.ones(1, 1, 4, 4, dtype=torch.long))
    for arg in ("position_bias", "softcap", "s_aux"):
        with pytest.raises(ValueError, match=arg):
            fa_hf.attention_forward(module, q, q, q, None, **{arg: 1.0})
    with pytest.raises(ValueError, match="output_attentions"):
        fa_hf.attention_forward(module, q, q, q, None, output_attentions=True)


def test_float_mask_is_a_bias(fake):
    """An additive mask (older code paths, custom masks) goes in as a bias
    of the query's dtype."""
    gen = torch.Generator().manual_seed(3)
    q, k, v = (torch.randn(1, 2, 8, 32, generator=gen) for _ in range(3))
    bias = torch.randn(1, 1, 8, 8, generator=gen, dtype=torch.float64)
    out, _ = fa_hf.attention_forward(torch.nn.Module(), q, k, v, bias, scaling=0.2)
    want = torch.nn.functional.scaled_dot_product_attention(q, k, v, bias.float(),
                                                            scale=0.2)
    torch.testing.assert_close(out, want.transpose(1, 2))
    assert fake.launches[-1][0]["mask"] == {"kind": "bias", "shape": [1, 1, 8, 8]}


@pytest.mark.parametrize("name", ["gpt2", "llama"])
def test_compiled_model(fake, name):
    """torch.compile(fullgraph=True) of the whole model: no graph break on
    the backend; the same logits and gradients as the model run eagerly."""
    torch._dynamo.reset()
    config, cls = MODELS[name]
    torch.manual_seed(0)
    model = cls._from_config(config(), attn_implementation=fa_hf.NAME).train()
    ids = torch.randint(0, 97, (2, 16), generator=torch.Generator().manual_seed(5))

    def run(fn):
        model.zero_grad(set_to_none=True)
        out = fn(input_ids=ids).logits
        out.square().mean().backward()
        return out.detach(), [p.grad.clone() for p in model.parameters()]

    eager_out, eager_grads = run(model)
    out, grads = run(torch.compile(model, backend="aot_eager", fullgraph=True))
    torch._dynamo.reset()
    torch.testing.assert_close(out, eager_out, rtol=1e-5, atol=1e-6)
    for a, b in zip(grads, eager_grads):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_meta_recording_matches_autocast_training(name):
    """bench/train/train_models.py records a model's calls on the meta
    device in bf16; the GPU run trains in f32 under bf16 autocast. Both
    must make the same calls (else the bundle misses kernels): checked here
    on the CPU with CPU autocast."""
    from flashattn_mlir import aot
    fa_hf.register()
    config, cls = MODELS[name]
    with aot.record() as on_meta:
        with torch.device("meta"):
            model = cls._from_config(config(), attn_implementation=fa_hf.NAME,
                                     dtype=torch.bfloat16).train()
        ids = torch.zeros(2, 16, dtype=torch.long, device="meta")
        model(input_ids=ids, labels=ids).loss.backward()
    with aot.record() as autocast:
        model = cls._from_config(config(), attn_implementation=fa_hf.NAME).train()
        ids = torch.randint(0, 97, (2, 16))
        with torch.autocast("cpu", dtype=torch.bfloat16):
            loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
    assert on_meta == autocast and on_meta[0]["dtype"] == "bf16"
