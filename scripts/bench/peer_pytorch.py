#!/usr/bin/env python3
"""skiptrain's skip models in PyTorch, trained the way the trainer trains them: the peer of `npm run bench -- train --peers`.

The models (src/models/model.ts, encoder.ts, lstm.ts, transformer.ts, heads.ts), as a PyTorch user writes them:
  encoder: Linear(F, H)(x) + Linear(E, H, bias=False)(Embedding(buckets, E)(track)) -> Dropout
  lstm: -> LSTM(H, layers, dropout between layers)
  transformer: + learned positions -> TransformerEncoder(pre-LN layers, heads, ff, ReLU, dropout; causal mask and
    padded keys masked) -> LayerNorm
  -> Linear(H, 5): the main skip logit and four auxiliary ones
Objective (src/train/loss.ts): masked BCE on the main logit plus auxWeight x the mean BCE of the auxiliary ones, with
per-position loss weights; then clip_grad_norm_ and Adam (dense, the embedding included) - one optimizer step.
The batch: [B, 20, F] with session lengths 10-20, the first half known (loss weight knownWeight), as the trainer's.
Warm-up steps, then timed steps for --budget seconds, synchronising a CUDA device before reading the clock.

  python3 scripts/bench/peer_pytorch.py --batch 64 --hidden 64 --layers 1 --buckets 8192 --embed 8 --threads 1
prints one JSON line {"step": "peer", "peer": "pytorch", "model", "batch", "threads", "seqPerSec", ...}.
Refuses a torch built without MKL (Debian's python3-torch uses reference BLAS, 3-5x slower than pip's).
"""
import sys
import time

from peer_common import T, parse_args, report


def build(torch, nn, a):
    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.input = nn.Linear(a.features, a.hidden)
            self.table = nn.Embedding(a.buckets, a.embed) if a.buckets > 0 else None
            self.track = nn.Linear(a.embed, a.hidden, bias=False) if a.buckets > 0 else None
            self.drop = nn.Dropout(a.dropout)

        def forward(self, x, keys):
            h = self.input(x)
            if self.table is not None:
                known = (keys >= 0).unsqueeze(-1).float()
                h = h + self.track(self.table(keys.clamp(min=0) % a.buckets) * known)
            return self.drop(h)

    class SkipLstm(nn.Module):
        def __init__(self):
            super().__init__()
            self.encode = Encoder()
            self.lstm = nn.LSTM(a.hidden, a.hidden, num_layers=a.layers, batch_first=True, dropout=a.dropout if a.layers > 1 else 0.0)
            self.head = nn.Linear(a.hidden, 5 if a.aux_weight > 0 else 1)

        def forward(self, x, keys, present):
            out, _ = self.lstm(self.encode(x, keys))
            return self.head(out)

    class SkipTransformer(nn.Module):
        def __init__(self):
            super().__init__()
            self.encode = Encoder()
            self.position = nn.Parameter(torch.randn(T, a.hidden) * 0.02)
            layer = nn.TransformerEncoderLayer(a.hidden, a.heads, a.ff, a.dropout, activation="relu", batch_first=True, norm_first=True)
            self.body = nn.TransformerEncoder(layer, a.layers, enable_nested_tensor=False)
            self.norm = nn.LayerNorm(a.hidden)
            self.head = nn.Linear(a.hidden, 5 if a.aux_weight > 0 else 1)
            # True = masked: key j > query t (no look-ahead), as skiptrain's causal mask.
            self.register_buffer("causal", torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1))

        def forward(self, x, keys, present):
            h = self.encode(x, keys) + self.position
            return self.head(self.norm(self.body(h, mask=self.causal, src_key_padding_mask=present == 0)))

    return SkipLstm() if a.model == "lstm" else SkipTransformer()


def batch(torch, a, device):
    g = torch.Generator().manual_seed(2)
    B = a.batch
    lengths = torch.randint(10, T + 1, (B,), generator=g)
    pos = torch.arange(T).unsqueeze(0)
    present = (pos < lengths.unsqueeze(1)).float()
    known = (pos < (lengths // 2).unsqueeze(1)).float() * present
    scored = present - known
    x = torch.randn(B, T, a.features, generator=g)
    keys = torch.where(present > 0, torch.randint(0, max(a.tracks, 1), (B, T), generator=g), torch.full((B, T), -1))
    labels = (torch.rand(B, T, generator=g) < 0.5).float()
    aux = (torch.rand(B, T, 4, generator=g) < 0.5).float()
    weights = scored + known * a.known_weight
    return [t.to(device) for t in (x, keys, present, labels, aux, weights)]


def measure(torch, nn, a, device):
    torch.manual_seed(1)
    model = build(torch, nn, a).to(device)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    bce = nn.BCEWithLogitsLoss(reduction="none")
    x, keys, present, labels, aux, weights = batch(torch, a, device)
    denominator = weights.sum().clamp(min=1)

    def step():
        optimizer.zero_grad(set_to_none=True)
        out = model(x, keys, present)
        loss = (bce(out[..., 0], labels) * weights).sum() / denominator
        if out.shape[-1] > 1:
            loss = loss + a.aux_weight * (bce(out[..., 1:], aux) * weights.unsqueeze(-1)).sum() / (4 * denominator)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    for _ in range(5):
        step()
    sync()
    steps = 0
    start = time.perf_counter()
    while steps < 3 or time.perf_counter() - start < a.budget:
        step()
        steps += 1
        if steps % 10 == 0:
            sync()
    sync()
    ms = (time.perf_counter() - start) * 1000 / steps
    return ms


def main():
    a = parse_args(__doc__)
    try:
        import torch
        from torch import nn
    except ImportError:
        print("peer_pytorch: PyTorch is not installed in this Python (pip install torch)", file=sys.stderr)
        return 3
    if a.device == "cpu" and not torch.backends.mkl.is_available():
        print(
            f"peer_pytorch: this torch {torch.__version__} has no MKL (Debian's python3-torch uses reference BLAS, 3-5x slower than "
            "the build a user installs); install pip's: python3 -m venv v && v/bin/pip install torch",
            file=sys.stderr,
        )
        return 4
    if a.device == "cuda" and not torch.cuda.is_available():
        print("peer_pytorch: --device cuda but torch.cuda.is_available() is False", file=sys.stderr)
        return 3
    torch.set_num_threads(a.threads)
    device = torch.device(a.device)
    ms = measure(torch, nn, a, device)
    report("pytorch", a, ms, torch.__version__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
